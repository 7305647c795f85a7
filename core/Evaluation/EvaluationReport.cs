using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Evaluation;

/// <summary>Everything <c>report.md</c> and <c>report.json</c> say about one evaluation run.</summary>
public sealed record EvaluationReport(
    string DataSource,
    DatasetProfile Profile,
    string SplitName,
    SplitStats Split,
    int CatalogSize,
    IReadOnlyList<int> Ks,
    IReadOnlyList<ModelResult> Models,
    TrainingHistory? History,
    IReadOnlyList<string> Figures,
    IReadOnlyList<PairedComparison>? Paired = null,
    IReadOnlyList<SeedSpread>? Seeds = null);

/// <summary>Writes an <see cref="EvaluationReport"/> as Markdown and JSON, with its figures, into a folder.</summary>
public static class EvaluationReportWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Writes the figures, then <c>report.md</c> and <c>report.json</c>, into <paramref name="directory"/> (created
    /// when missing). <paramref name="events"/> are all the events, for the EDA figures; <paramref name="seeds"/> is the
    /// spread of a model trained once per seed (<see cref="SeedRuns"/>), when one was.
    /// </summary>
    public static EvaluationReport WriteAll(string directory, string dataSource, IReadOnlyList<Interaction> events, EvaluationSplit split,
        IReadOnlyList<int> ks, IReadOnlyList<ModelResult> models, TrainingHistory? history, IReadOnlyList<SeedSpread>? seeds = null)
    {
        ArgumentNullException.ThrowIfNull(split);
        var profile = DatasetProfile.Of(events);
        var figures = ReportFigures.WriteAll(directory, events, profile, models, history);
        var report = new EvaluationReport(dataSource, profile, split.Name, split.Stats, split.Catalog.Count, ks, models, history, figures, PairedAgainst(models),
            seeds is { Count: > 0 } ? seeds : null);
        File.WriteAllText(Path.Combine(directory, "report.md"), ToMarkdown(report));
        File.WriteAllText(Path.Combine(directory, "report.json"), ToJson(report));
        return report;
    }

    /// <summary>The baseline every other model is compared with, user by user, when it was evaluated.</summary>
    public const string PairedBaseline = "EASE";

    /// <summary>Each model against <see cref="PairedBaseline"/> on the same test users (empty when it was not evaluated).</summary>
    public static IReadOnlyList<PairedComparison> PairedAgainst(IReadOnlyList<ModelResult> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        var baseline = models.FirstOrDefault(m => string.Equals(m.Model, PairedBaseline, StringComparison.OrdinalIgnoreCase));
        if (baseline?.PerUserRecall is not { } reference) return [];
        return [.. models.Where(m => m != baseline && m.PerUserRecall is not null && m.PerUserK == baseline.PerUserK)
            .Select(m => PairedComparison.Of(m.Model, m.PerUserRecall!, baseline.Model, reference, baseline.PerUserK))];
    }

    /// <summary>Recall@K per training seed, with its mean, standard deviation and range, as a Markdown table.</summary>
    public static string SeedTable(IReadOnlyList<SeedSpread> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0) return "";
        var md = new StringBuilder();
        md.AppendLine("| model | K | seeds | Recall@K per seed | mean | standard deviation | [min, max] |");
        md.AppendLine("| --- | ---: | --- | --- | ---: | ---: | --- |");
        foreach (var s in seeds)
            md.AppendLine(Inv($"| {s.Model} | {s.K} | {string.Join(", ", s.Seeds)} | {string.Join(", ", s.Recalls.Select(r => r.ToString("F4", CultureInfo.InvariantCulture)))} | {s.Mean:F4} | {s.StandardDeviation:F4} | [{s.Min:F4}, {s.Max:F4}] |"));
        return md.ToString();
    }

    /// <summary>The paired comparisons as a Markdown table (empty when there are none).</summary>
    public static string PairedTable(IReadOnlyList<PairedComparison> paired)
    {
        ArgumentNullException.ThrowIfNull(paired);
        if (paired.Count == 0) return "";
        var md = new StringBuilder();
        md.AppendLine("| model | vs | K | users | Recall@K | baseline | ratio | mean difference | standard error | 95 % interval | better / same / worse users |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
        foreach (var c in paired)
            md.AppendLine(Inv($"| {c.Model} | {c.Baseline} | {c.K} | {c.Users} | {c.ModelRecall:F4} | {c.BaselineRecall:F4} | {c.Ratio:F2}× | {c.MeanDifference:+0.0000;-0.0000;0.0000} | {c.StandardError:F4} | [{c.Low95:+0.0000;-0.0000;0.0000}, {c.High95:+0.0000;-0.0000;0.0000}]{(c.Significant ? "" : " (includes 0)")} | {c.Better} / {c.Same} / {c.Worse} |"));
        return md.ToString();
    }

    /// <summary>The metrics table alone (one row per model and K), as printed on the console too.</summary>
    public static string MetricsTable(IReadOnlyList<ModelResult> models, IReadOnlyList<int> ks)
    {
        var md = new StringBuilder();
        md.AppendLine("| model | K | Recall@K | NDCG@K | HitRate@K | coverage@K | MRR | users | fit (s) | score (s) |");
        md.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var m in models)
            foreach (int k in ks)
            {
                var at = m.Metrics.At(k);
                if (at is null) continue;
                md.AppendLine(Inv($"| {m.Model} | {k} | {at.Recall:F4} | {at.Ndcg:F4} | {at.HitRate:F4} | {at.Coverage:F4} | {m.Metrics.Mrr:F4} | {m.Metrics.Users} | {m.FitTime.TotalSeconds:F2} | {m.ScoreTime.TotalSeconds:F2} |"));
            }
        return md.ToString();
    }

    public static string ToMarkdown(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var p = report.Profile;
        var s = report.Split;
        var md = new StringBuilder();
        md.AppendLine("# Offline evaluation");
        md.AppendLine();
        md.AppendLine(Inv($"Data: `{report.DataSource}`. Split: **{report.SplitName}**. Full-catalog ranking ({report.CatalogSize:N0} items) with each user's seen items excluded; no sampled negatives."));
        md.AppendLine();
        md.AppendLine("## Dataset");
        md.AppendLine();
        md.AppendLine("| users | items | events | density | from | to |");
        md.AppendLine("| ---: | ---: | ---: | ---: | --- | --- |");
        md.AppendLine(Inv($"| {p.Users:N0} | {p.Items:N0} | {p.Events:N0} | {p.Density:P3} | {Date(p.FirstTimestamp)} | {Date(p.LastTimestamp)} |"));
        md.AppendLine();
        md.AppendLine("Event types: " + string.Join(", ", p.EventTypes.Select(t => Inv($"{t.Key} {t.Value:N0}"))) + ".");
        md.AppendLine();
        md.AppendLine("## Split");
        md.AppendLine();
        md.AppendLine("| training events | validation users | validation targets | test users | test targets | dropped events | training-only users |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        md.AppendLine(Inv($"| {s.TrainEvents:N0} | {s.ValidationUsers:N0} | {s.ValidationTargets:N0} | {s.TestUsers:N0} | {s.TestTargets:N0} | {s.DroppedEvents:N0} | {s.TrainOnlyUsers:N0} |"));
        md.AppendLine();
        md.AppendLine("## Metrics (test)");
        md.AppendLine();
        md.Append(MetricsTable(report.Models, report.Ks));
        md.AppendLine();
        md.AppendLine("Recall@K = share of a user's held-out items in the top K; NDCG@K with binary gains; HitRate@K = share of users with a hit; coverage@K = share of the catalog shown to at least one user; MRR over the full ranking. Fit and score times are wall-clock; scoring runs in parallel over users.");
        md.AppendLine();
        if (report.Seeds is { Count: > 0 } seeds)
        {
            md.AppendLine("## Training seeds");
            md.AppendLine();
            md.Append(SeedTable(seeds));
            md.AppendLine();
            md.AppendLine("The model trained once per seed on the same split. The spread is what a training run's randomness alone moves Recall@K by; the mean row above averages the runs' metrics and each user's recall, and is the one to compare. The ensemble row ranks by the mean of the runs' scores: what serving all of them together would give (for the two-tower model, one model of K times the dimension).");
            md.AppendLine();
        }
        if (report.Paired is { Count: > 0 } paired)
        {
            md.AppendLine(Inv($"## Paired comparison against {paired[0].Baseline}"));
            md.AppendLine();
            md.Append(PairedTable(paired));
            md.AppendLine();
            md.AppendLine("Per test user, the model's Recall@K minus the baseline's; the mean of those differences, its standard error (sample standard deviation / √users) and a normal 95 % interval. An interval that excludes 0 is a difference larger than the noise of which users were held out.");
            md.AppendLine();
        }
        if (report.History is { Epochs.Count: > 0 } history)
        {
            md.AppendLine("## Training history");
            md.AppendLine();
            md.AppendLine(Inv($"| epoch | train loss | validation loss | validation Recall@{history.RecallK} |"));
            md.AppendLine("| ---: | ---: | ---: | ---: |");
            foreach (var e in history.Epochs)
                md.AppendLine(Inv($"| {e.Epoch} | {e.TrainLoss:F4} | {Opt(e.ValidationLoss)} | {Opt(e.ValidationRecall)} |"));
            md.AppendLine();
        }
        if (report.Figures.Count > 0)
        {
            md.AppendLine("## Figures");
            md.AppendLine();
            foreach (var f in report.Figures)
                md.AppendLine($"![{Path.GetFileNameWithoutExtension(f).Replace('_', ' ')}]({f})");
            md.AppendLine();
        }
        return md.ToString();
    }

    public static string ToJson(EvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var p = report.Profile;
        var shaped = new
        {
            data = report.DataSource,
            dataset = new { p.Users, p.Items, p.Events, p.Density, p.FirstTimestamp, p.LastTimestamp, p.EventTypes },
            split = new { name = report.SplitName, stats = report.Split, catalogue = report.CatalogSize },
            ks = report.Ks,
            models = report.Models.Select(m => new
            {
                name = m.Model,
                users = m.Metrics.Users,
                fitSeconds = m.FitTime.TotalSeconds,
                scoreSeconds = m.ScoreTime.TotalSeconds,
                usersPerSecond = m.UsersPerSecond,
                mrr = m.Metrics.Mrr,
                byK = m.Metrics.ByK,
                recallCurve = m.Metrics.RecallCurve,
            }),
            paired = report.Paired?.Select(c => new
            {
                model = c.Model, baseline = c.Baseline, k = c.K, users = c.Users, modelRecall = c.ModelRecall, baselineRecall = c.BaselineRecall,
                ratio = c.Ratio, meanDifference = c.MeanDifference, standardError = c.StandardError, low95 = c.Low95, high95 = c.High95,
                significant = c.Significant, better = c.Better, same = c.Same, worse = c.Worse,
            }),
            seeds = report.Seeds?.Select(x => new
            {
                model = x.Model, k = x.K, seeds = x.Seeds, recalls = x.Recalls, mean = x.Mean,
                standardDeviation = double.IsNaN(x.StandardDeviation) ? (double?)null : x.StandardDeviation, min = x.Min, max = x.Max,
            }),
            history = report.History,
            figures = report.Figures,
        };
        return JsonSerializer.Serialize(shaped, Json);
    }

    private static string Date(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Opt(double? v) => v.HasValue ? v.Value.ToString("F4", CultureInfo.InvariantCulture) : "–";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
