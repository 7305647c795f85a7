using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Tests.Data;

public sealed class MovieLensTests
{
    private const string UData = "196\t242\t3\t881250949\n186\t302\t3\t891717742\n196\t1\t4.5\t881251000\n";
    private const string UUser = "196|49|M|writer|55105\n186|39|F|executive|00000\n";
    private const string UItem =
        "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n" +
        "242|Kolya (1996)|24-Jan-1997||http://us.imdb.com/M/title-exact?Kolya%20(1996)|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n" +
        "267|unknown||||1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n" +
        "302|Misérables, Les (1995)|15-Dec-1995||http://us.imdb.com/M/title-exact?Mis%E9rables%2C%20Les%20%281995%29|0|0|0|0|0|0|0|0|1|0|0|0|0|0|1|0|0|1|0\n";

    private const string RatingsDat = "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n";
    private const string UsersDat = "1::F::1::10::48067\n2::M::56::16::70072\n";
    private const string MoviesDat =
        "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n" +
        "661::James and the Giant Peach (1996)::Animation|Children's|Musical\n" +
        "3::Astérix et Obélix (1999)::Comedy\n";

    private const string RatingsCsv = "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,3.5,964981247\n2,2,0.5,1445714835\n";
    private const string MoviesCsv =
        "movieId,title,genres\n" +
        "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n" +
        "2,\"American President, The (1995)\",Comedy|Drama|Romance\n" +
        "3,Ахиллес и черепаха,(no genres listed)\n";

    private static FeatureKind KindOf(FeatureTable table, string column) => table.Columns[table.ColumnIndex(column)].Kind;

    [Fact]
    public void Load_MovieLens100K_ReadsRatingsUsersAndItems()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(new DatasetSources(
            folder.WriteLatin1("u.data", UData), folder.WriteLatin1("u.user", UUser), folder.WriteLatin1("u.item", UItem)));
        var data = result.Dataset;
        Assert.Equal(new Interaction("196", "242", EventTypes.Rating, 3f, 881250949), data.Interactions[0]);
        Assert.Equal(4.5f, data.Interactions[2].Value);

        var users = data.Users!;
        Assert.Equal(["age", "gender", "occupation", "zip_code"], users.Columns.Select(c => c.Name));
        Assert.Equal(FeatureKind.Numeric, KindOf(users, "age"));
        Assert.Equal(FeatureKind.Categorical, KindOf(users, "zip_code"));
        Assert.True(users.TryGetRow("186", out var user));
        Assert.Equal(["39", "F", "executive", "00000"], user);

        var items = data.Items!;
        Assert.Equal(FeatureKind.Text, KindOf(items, "title"));
        Assert.Equal(FeatureKind.MultiCategorical, KindOf(items, "genres"));
        Assert.Equal(FeatureKind.Numeric, KindOf(items, "year"));
        Assert.True(items.TryGetRow("1", out var toyStory));
        Assert.Equal("Animation|Children's|Comedy", toyStory[items.ColumnIndex("genres")]);
        Assert.Equal("1995", toyStory[items.ColumnIndex("year")]);
        Assert.Equal("1995-01-01", toyStory[items.ColumnIndex("release_date")]);
        Assert.True(items.TryGetRow("302", out var miserables));
        Assert.Equal("Misérables, Les (1995)", miserables[items.ColumnIndex("title")]);
        Assert.Equal("Drama|Romance|War", miserables[items.ColumnIndex("genres")]);
        Assert.True(items.TryGetRow("267", out var unknown));
        Assert.Equal("unknown", unknown[items.ColumnIndex("genres")]);
        Assert.Null(unknown[items.ColumnIndex("year")]);

        Assert.Equal(["movielens-100k", "movielens-100k", "movielens-100k"], result.Report.Files.Select(f => f.Format));
    }

    [Fact]
    public void Load_MovieLens1M_ReadsRatingsUsersAndMovies()
    {
        using var folder = new TempFolder();
        var data = DatasetLoader.Load(new DatasetSources(
            folder.WriteLatin1("ratings.dat", RatingsDat), folder.WriteLatin1("users.dat", UsersDat), folder.WriteLatin1("movies.dat", MoviesDat))).Dataset;
        Assert.Equal(new Interaction("1", "1193", EventTypes.Rating, 5f, 978300760), data.Interactions[0]);
        var users = data.Users!;
        Assert.Equal(["gender", "age", "occupation", "zip_code"], users.Columns.Select(c => c.Name));
        Assert.Equal(FeatureKind.Categorical, KindOf(users, "age"));
        Assert.True(users.TryGetRow("2", out var user));
        Assert.Equal(["M", "56", "16", "70072"], user);
        var movies = data.Items!;
        Assert.True(movies.TryGetRow("661", out var peach));
        Assert.Equal(["James and the Giant Peach (1996)", "Animation|Children's|Musical", "1996"], peach);
        Assert.True(movies.TryGetRow("3", out var asterix));
        Assert.Equal("Astérix et Obélix (1999)", asterix[0]);
    }

    [Fact]
    public void Load_MovieLensLatest_ReadsRatingsAndMovies()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(new DatasetSources(folder.Write("ratings.csv", RatingsCsv), Items: folder.Write("movies.csv", MoviesCsv)));
        var data = result.Dataset;
        Assert.Equal(new Interaction("1", "3", EventTypes.Rating, 3.5f, 964981247), data.Interactions[1]);
        var movies = data.Items!;
        Assert.Equal(["title", "genres", "year"], movies.Columns.Select(c => c.Name));
        Assert.True(movies.TryGetRow("2", out var president));
        Assert.Equal(["American President, The (1995)", "Comedy|Drama|Romance", "1995"], president);
        Assert.True(movies.TryGetRow("3", out var achilles));
        Assert.Equal(["Ахиллес и черепаха", null, null], achilles);
        Assert.Equal(["movielens-latest", "movielens-latest"], result.Report.Files.Select(f => f.Format));
    }

    [Theory]
    [InlineData("ml-100k", "u.data")]
    [InlineData("ml-1m", "ratings.dat")]
    [InlineData("ml-latest-small", "ratings.csv")]
    public void LoadMovieLensDirectory_FindsFilesInFolderOrSubfolder(string subfolder, string ratingsFile)
    {
        using var folder = new TempFolder();
        switch (ratingsFile)
        {
            case "u.data":
                folder.WriteLatin1($"{subfolder}/u.data", UData);
                folder.WriteLatin1($"{subfolder}/u.user", UUser);
                folder.WriteLatin1($"{subfolder}/u.item", UItem);
                folder.WriteLatin1($"{subfolder}/u1.base", UData);
                break;
            case "ratings.dat":
                folder.WriteLatin1($"{subfolder}/ratings.dat", RatingsDat);
                folder.WriteLatin1($"{subfolder}/users.dat", UsersDat);
                folder.WriteLatin1($"{subfolder}/movies.dat", MoviesDat);
                break;
            default:
                folder.Write($"{subfolder}/ratings.csv", RatingsCsv);
                folder.Write($"{subfolder}/movies.csv", MoviesCsv);
                folder.Write($"{subfolder}/tags.csv", "userId,movieId,tag,timestamp\n");
                break;
        }
        var fromParent = DatasetLoader.LoadMovieLensDirectory(folder.Path);
        var fromFolder = DatasetLoader.LoadMovieLensDirectory(folder.File(subfolder));
        Assert.Equal(ratingsFile, fromParent.Report.Files[0].File);
        Assert.Equal(fromFolder.Dataset.Interactions, fromParent.Dataset.Interactions);
        Assert.Equal(3, fromParent.Dataset.Interactions.Count);
        Assert.NotNull(fromParent.Dataset.Items);
        Assert.Equal(ratingsFile != "ratings.csv", fromParent.Dataset.Users is not null);
    }

    [Fact]
    public void LoadMovieLensDirectory_ThrowsWhenNoRatingsFile()
    {
        using var folder = new TempFolder();
        folder.Write("readme.txt", "nothing here");
        var error = Assert.Throws<FileNotFoundException>(() => DatasetLoader.LoadMovieLensDirectory(folder.Path));
        Assert.Contains("u.data (100K), ratings.dat (1M) and ratings.csv (latest)", error.Message);
    }

    [Fact]
    public void Load_BadUDataLine_ThrowsNamingFileLineAndField()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<DataFormatException>(() =>
            DatasetLoader.Load(new DatasetSources(folder.WriteLatin1("u.data", "1\t2\t3\t4\n1\t2\tx\t4\n"))));
        Assert.Equal("u.data line 2, field 'rating': 'x' is not a number", error.Message);
    }

    [Fact]
    public void Load_ShortRatingsDatLine_NamesFirstMissingField()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<DataFormatException>(() =>
            DatasetLoader.Load(new DatasetSources(folder.WriteLatin1("ratings.dat", "1::2::3::4\n\n5::6::7\n"))));
        Assert.Equal("ratings.dat", error.File);
        Assert.Equal(3, error.Line);
        Assert.Equal("timestamp", error.Field);
    }

    [Fact]
    public void Load_BadGenreFlag_ThrowsNamingTheGenre()
    {
        using var folder = new TempFolder();
        string badItem = UItem.Replace("|0|0|0|1|1|1|0", "|0|0|0|1|2|1|0", StringComparison.Ordinal);
        var error = Assert.Throws<DataFormatException>(() => DatasetLoader.Load(new DatasetSources(
            folder.WriteLatin1("u.data", UData), Items: folder.WriteLatin1("u.item", badItem))));
        Assert.Equal("u.item line 1, field 'Children's': a genre flag must be 0 or 1, found '2'", error.Message);
    }

    [Fact]
    public void Load_SkipBadRows_CountsBadMovieLensLines()
    {
        using var folder = new TempFolder();
        var result = DatasetLoader.Load(
            new DatasetSources(folder.WriteLatin1("ratings.dat", "1::2::3::4\n1::2\n1::3::4::when\n2::2::5::9\n")),
            new LoadOptions { SkipBadRows = true });
        Assert.Equal(2, result.Dataset.Interactions.Count);
        Assert.Equal(2, result.Report.BadRows);
    }

    [Theory]
    [InlineData("Toy Story (1995)", "1995")]
    [InlineData("City of Lost Children, The (Cité des enfants perdus, La) (1995) ", "1995")]
    [InlineData("Babylon 5", null)]
    [InlineData("(1995)", "1995")]
    [InlineData("Film (19x5)", null)]
    public void YearOf_Title_FindsTrailingYear(string title, string? year) => Assert.Equal(year, MovieLensReader.YearOf(title));
}
