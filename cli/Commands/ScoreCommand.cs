using System.CommandLine;
using System.Globalization;
using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;
using OrleansReco.Core.Data.Writers;
using OrleansReco.Core.Model;

namespace OrleansReco.Cli.Commands;

/// <summary>
/// <c>reco score</c>: the model's score for given user–item pairs (and a rating estimate when the model was trained
/// on ratings). Users are embedded from their history in the interactions and their profile; items from features.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var data = new DataArguments();
        var features = new FeatureCheckArguments();
        var modelFile = new Option<FileInfo>("--model") { Description = "Model bundle written by reco train.", Required = true };
        var pairs = new Option<FileInfo>("--pairs") { Description = "CSV with a header user_id,item_id: the pairs to score.", Required = true };
        var output = new Option<FileInfo?>("--out") { Description = "CSV to write: user_id,item_id,score[,rating]. Default: stdout." };
        var command = new Command("score", "Score user–item pairs with a trained model (histories from --interactions, features from --users/--items).")
        {
            modelFile, pairs, output,
        };
        data.AddTo(command);
        features.AddTo(command);
        command.SetAction(parse => DataArguments.Guard("score", () =>
        {
            var model = TwoTowerModel.Load(parse.GetValue(modelFile)!.FullName);
            var pairFile = parse.GetValue(pairs)!;
            if (!pairFile.Exists) throw new FileNotFoundException($"Pairs file '{pairFile.FullName}' does not exist.");
            var (wanted, _) = CsvTableReader.ReadInteractions(pairFile.FullName, LoadOptions.Default);
            var dataset = data.Load(parse);
            features.Check(parse, model.Header, dataset);
            var (_, histories) = RecommendCommand.Histories(dataset);
            var profileMap = model.Header.User.MapColumns(dataset.Users);
            var itemMap = model.Header.Item.MapColumns(dataset.Items);
            bool rated = model.Header.Rating is not null;
            RecommendCommand.WriteCsv(parse.GetValue(output), writer =>
            {
                writer.Write(rated ? "user_id,item_id,score,rating\n" : "user_id,item_id,score\n");
                var user = new float[model.Dimension];
                var item = new float[model.Dimension];
                string? lastUser = null;
                foreach (var pair in wanted)
                {
                    if (pair.UserId != lastUser)
                    {
                        IReadOnlyList<string?>? profile = dataset.Users is not null && dataset.Users.TryGetRow(pair.UserId, out var p) ? p : null;
                        IReadOnlyList<Interaction> history = histories.TryGetValue(pair.UserId, out var h) ? h : [];
                        model.EmbedUser(profile, profile is null ? default : profileMap, history, long.MaxValue, user);
                        lastUser = pair.UserId;
                    }
                    IReadOnlyList<string?>? row = dataset.Items is not null && dataset.Items.TryGetRow(pair.ItemId, out var r) ? r : null;
                    model.EmbedItem(pair.ItemId, row, row is null ? default : itemMap, item);
                    float score = System.Numerics.Tensors.TensorPrimitives.Dot(user, item);
                    CsvTableWriter.WriteField(writer, pair.UserId);
                    writer.Write(',');
                    CsvTableWriter.WriteField(writer, pair.ItemId);
                    writer.Write(',');
                    writer.Write(score.ToString("0.######", CultureInfo.InvariantCulture));
                    if (model.EstimateRating(score) is { } rating)
                    {
                        writer.Write(',');
                        writer.Write(rating.ToString("0.###", CultureInfo.InvariantCulture));
                    }
                    writer.Write('\n');
                }
            });
            Console.Error.WriteLine($"Scored {wanted.Count:N0} pairs.");
            return 0;
        }));
        return command;
    }
}
