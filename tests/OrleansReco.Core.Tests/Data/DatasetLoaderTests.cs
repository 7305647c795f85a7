using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Tests.Data;

public sealed class DatasetLoaderTests
{
    [Fact]
    public void Load_UDataLayoutUnderOtherName_IsDetectedByContent()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(new DatasetSources(
            folder.WriteLatin1("ratings.tsv", "1\t2\t5\t881250949\n"),
            folder.WriteLatin1("people.txt", "1|24|M|technician|85711\n"),
            folder.WriteLatin1("films.txt", "2|Heat (1995)|15-Dec-1995||url|0|1|0|0|0|0|1|0|1|0|0|0|0|0|0|0|1|0|0\n")));
        Assert.Equal(["movielens-100k", "movielens-100k", "movielens-100k"], result.Report.Files.Select(f => f.Format));
        Assert.Equal(new Interaction("1", "2", EventTypes.Rating, 5f, 881250949), result.Dataset.Interactions[0]);
        Assert.True(result.Dataset.Items!.TryGetRow("2", out var heat));
        Assert.Equal("Action|Crime|Drama|Thriller", heat[result.Dataset.Items.ColumnIndex("genres")]);
    }

    [Fact]
    public void Load_DoubleColonLayoutUnderOtherName_IsDetectedByContent()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(new DatasetSources(
            folder.WriteLatin1("r.txt", "7::8::2::978300760\n"),
            folder.WriteLatin1("u.txt", "7::M::25::4::12345\n"),
            folder.WriteLatin1("m.txt", "8::Heat (1995)::Action|Crime\n")));
        Assert.Equal(["movielens-1m", "movielens-1m", "movielens-1m"], result.Report.Files.Select(f => f.Format));
        Assert.Equal(["Heat (1995)", "Action|Crime", "1995"], result.Dataset.Items!.Row(0));
    }

    [Fact]
    public void Load_LatestMoviesHeaderUnderOtherName_IsDetectedByContent()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(new DatasetSources(
            folder.Write("r.csv", "userId,movieId,rating,timestamp\n1,5,2.5,10\n"),
            Items: folder.Write("films.csv", "movieId,title,genres\n5,Father of the Bride Part II (1995),Comedy\n")));
        Assert.Equal(["movielens-latest", "movielens-latest"], result.Report.Files.Select(f => f.Format));
        Assert.Equal("1995", result.Dataset.Items!.Row(0)[2]);
    }

    [Fact]
    public void Load_SchemaKind_OverridesMovieLensKinds()
    {
        using var folder = new TempFolder();
        var items = DatasetLoader.Load(new DatasetSources(
            folder.WriteLatin1("ratings.dat", "7::8::2::978300760\n"),
            Items: folder.WriteLatin1("movies.dat", "8::Heat (1995)::Action|Crime\n"),
            Schema: folder.Write("schema.json", """{ "items": { "year": "categorical", "title": "categorical" } }"""))).Dataset.Items!;
        Assert.Equal(
            [new FeatureColumn("title", FeatureKind.Categorical), new FeatureColumn("genres", FeatureKind.MultiCategorical), new FeatureColumn("year", FeatureKind.Categorical)],
            items.Columns);
    }

    [Fact]
    public void Load_OptionsSchema_IsUsedWhenSourcesNameNone()
    {
        using var folder = new TempFolder();
        string schemaPath = folder.Write("schema.json", """{ "users": { "age": "categorical" } }""");
        var result = DatasetLoader.Load(
            new DatasetSources(folder.Write("e.csv", "user_id,item_id\nu,i\n"), Users: folder.Write("users.csv", "user_id,age\nu,30\n")),
            new LoadOptions { Schema = DataSchema.Load(schemaPath) });
        Assert.Equal(FeatureKind.Categorical, result.Dataset.Users!.Columns[0].Kind);
    }

    [Fact]
    public void Load_ThrowsFileNotFoundForMissingSchema()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<FileNotFoundException>(() =>
            DatasetLoader.Load(new DatasetSources(folder.Write("e.csv", "user_id,item_id\nu,i\n"), Schema: folder.File("missing.json"))));
        Assert.Contains("schema file", error.Message);
    }

    [Fact]
    public void LoadReport_Describe_ListsEveryFile()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(new DatasetSources(
            folder.Write("e.csv", "user_id,item_id,timestamp\nu,i,1\nu,j,2\n"),
            Items: folder.Write("items.csv", "item_id,colour\ni,red\nj,blue\n")));
        Assert.Equal(["e.csv (csv): 2 rows", "items.csv (csv): 2 rows"], result.Report.Describe());
    }
}
