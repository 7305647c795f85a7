using System.Globalization;
using System.Text;

namespace OrleansReco.Core.Data.Readers;

/// <summary>The MovieLens layouts.</summary>
public enum MovieLensLayout
{
    /// <summary>Not a MovieLens file.</summary>
    None,
    /// <summary>MovieLens 100K: <c>u.data</c> (tab separated), <c>u.user</c>, <c>u.item</c> (pipe separated, latin-1).</summary>
    Ml100K,
    /// <summary>MovieLens 1M: <c>ratings.dat</c>, <c>users.dat</c>, <c>movies.dat</c> (<c>::</c> separated, latin-1).</summary>
    Ml1M,
    /// <summary>MovieLens latest / 20M / 25M: <c>ratings.csv</c>, <c>movies.csv</c> (CSV with headers, UTF-8).</summary>
    Latest,
}

/// <summary>
/// Reads the MovieLens files people already have. Ratings become <c>rating</c> events with the rating as value.
/// Movies get <c>title</c> (text), <c>genres</c> (multi-valued, <c>|</c>-separated), <c>year</c> (numeric, from the
/// title or the release date) and, for 100K, <c>release_date</c> (ISO date, categorical). Users get their profile
/// columns: 100K <c>age</c> (numeric), <c>gender</c>, <c>occupation</c>, <c>zip_code</c>; 1M <c>gender</c>,
/// <c>age</c> (the age band code, categorical), <c>occupation</c> (code, categorical), <c>zip_code</c>.
/// The 100K and 1M files are latin-1; the latest files are UTF-8 CSV.
/// </summary>
public static class MovieLensReader
{
    /// <summary>The 19 genre flags of u.item, in file order.</summary>
    public static readonly IReadOnlyList<string> Ml100KGenres =
    [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama", "Fantasy",
        "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ];

    /// <summary>Header of the latest layout's ratings.csv.</summary>
    public const string LatestRatingsHeader = "userId,movieId,rating,timestamp";

    /// <summary>Header of the latest layout's movies.csv.</summary>
    public const string LatestMoviesHeader = "movieId,title,genres";

    private const string NoGenres = "(no genres listed)";

    /// <summary>Report name of a layout: movielens-100k, movielens-1m or movielens-latest.</summary>
    public static string FormatName(MovieLensLayout layout) => layout switch
    {
        MovieLensLayout.Ml100K => "movielens-100k",
        MovieLensLayout.Ml1M => "movielens-1m",
        MovieLensLayout.Latest => "movielens-latest",
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "not a MovieLens layout"),
    };

    /// <summary>
    /// Reads a ratings file: <c>u.data</c> (<see cref="MovieLensLayout.Ml100K"/>, tab separated) or
    /// <c>ratings.dat</c> (<see cref="MovieLensLayout.Ml1M"/>, <c>::</c> separated): user, movie, rating, timestamp.
    /// The latest layout's ratings.csv is an ordinary interactions CSV (see <see cref="CsvTableReader"/>).
    /// </summary>
    public static (List<Interaction> Interactions, FileReport Report) ReadRatings(string path, MovieLensLayout layout, LoadOptions options)
    {
        string separator = layout switch
        {
            MovieLensLayout.Ml100K => "\t",
            MovieLensLayout.Ml1M => "::",
            _ => throw new ArgumentException($"{layout} ratings are read as CSV, not by {nameof(ReadRatings)}.", nameof(layout)),
        };
        string file = Path.GetFileName(path);
        string[] names = [InteractionColumns.UserId, InteractionColumns.ItemId, InteractionColumns.Rating, InteractionColumns.Timestamp];
        var errors = new RowErrors(file, FormatName(layout), options);
        var pool = new StringPool();
        var list = new List<Interaction>();
        Span<Range> ranges = stackalloc Range[names.Length + 1];
        using var reader = OpenLatin1(path);
        long lineNumber = 0;
        while (reader.ReadLine() is { } text)
        {
            lineNumber++;
            ReadOnlySpan<char> line = text;
            if (line.IsWhiteSpace()) continue;
            int n = line.Split(ranges, separator);
            if (n != names.Length)
            {
                errors.Handle(new DataFormatException(file, lineNumber, n < names.Length ? names[n] : null,
                    $"expected 4 fields (user, movie, rating, timestamp) separated by '{Printable(separator)}', found {(n < names.Length ? n.ToString(CultureInfo.InvariantCulture) : "more")}"));
                continue;
            }
            var user = line[ranges[0]].Trim();
            var item = line[ranges[1]].Trim();
            var rating = line[ranges[2]];
            var time = line[ranges[3]];
            if (user.IsEmpty) { errors.Handle(new DataFormatException(file, lineNumber, names[0], "the user id is empty")); continue; }
            if (item.IsEmpty) { errors.Handle(new DataFormatException(file, lineNumber, names[1], "the item id is empty")); continue; }
            if (!ValueParsers.TryParseFloat(rating, out float value))
            {
                errors.Handle(new DataFormatException(file, lineNumber, names[2], $"{ValueParsers.Quote(rating)} is not a number"));
                continue;
            }
            if (!ValueParsers.TryParseTimestamp(time, out long seconds))
            {
                errors.Handle(new DataFormatException(file, lineNumber, names[3], $"{ValueParsers.Quote(time)} is not a unix time or ISO 8601 date"));
                continue;
            }
            list.Add(new Interaction(pool.Get(user), pool.Get(item), EventTypes.Rating, value, seconds));
        }
        if (list.Count == 0 && errors.Bad == 0)
            throw new DataFormatException(file, null, null, "the file is empty; expected lines of user, movie, rating, timestamp");
        return (list, errors.Report(list.Count));
    }

    /// <summary>Reads <c>u.user</c> (<see cref="MovieLensLayout.Ml100K"/>) or <c>users.dat</c> (<see cref="MovieLensLayout.Ml1M"/>).</summary>
    public static (FeatureTable Table, FileReport Report) ReadUsers(string path, MovieLensLayout layout, LoadOptions options)
    {
        bool is100K = layout switch
        {
            MovieLensLayout.Ml100K => true,
            MovieLensLayout.Ml1M => false,
            _ => throw new ArgumentException($"the {layout} layout has no users file.", nameof(layout)),
        };
        string file = Path.GetFileName(path);
        string[] columns = is100K ? ["age", "gender", "occupation", "zip_code"] : ["gender", "age", "occupation", "zip_code"];
        var fixedKinds = new Dictionary<string, FeatureKind>(StringComparer.Ordinal)
        {
            ["age"] = is100K ? FeatureKind.Numeric : FeatureKind.Categorical,
            ["gender"] = FeatureKind.Categorical,
            ["occupation"] = FeatureKind.Categorical,
            ["zip_code"] = FeatureKind.Categorical,
        };
        var errors = new RowErrors(file, FormatName(layout), options);
        var builder = new FeatureTableBuilder(file, InteractionColumns.UserId, columns, errors);
        string separator = is100K ? "|" : "::";
        foreach (var (line, fields) in SplitLines(path, separator, columns.Length + 1))
        {
            if (fields.Length != columns.Length + 1)
            {
                string? missing = fields.Length <= columns.Length ? columns[fields.Length - 1] : null;
                errors.Handle(new DataFormatException(file, line, missing,
                    $"expected 5 fields (user, {string.Join(", ", columns)}) separated by '{separator}', found {(missing is null ? "more" : fields.Length.ToString(CultureInfo.InvariantCulture))}"));
                continue;
            }
            builder.Add(fields[0], fields[1..], line);
        }
        if (builder.Count == 0 && errors.Bad == 0) throw new DataFormatException(file, null, null, "the file is empty; expected one line per user");
        var table = builder.Build(options.Schema.Users, options.Schema.FileName, "users", fixedKinds);
        return (table, errors.Report(table.Count));
    }

    /// <summary>Reads <c>u.item</c> (100K), <c>movies.dat</c> (1M) or <c>movies.csv</c> (latest).</summary>
    public static (FeatureTable Table, FileReport Report) ReadMovies(string path, MovieLensLayout layout, LoadOptions options)
    {
        string file = Path.GetFileName(path);
        var fixedKinds = new Dictionary<string, FeatureKind>(StringComparer.Ordinal)
        {
            ["title"] = FeatureKind.Text,
            ["genres"] = FeatureKind.MultiCategorical,
            ["year"] = FeatureKind.Numeric,
            ["release_date"] = FeatureKind.Categorical,
        };
        var errors = new RowErrors(file, FormatName(layout), options);
        FeatureTableBuilder builder;
        switch (layout)
        {
            case MovieLensLayout.Ml100K:
                builder = ReadUItem(path, errors);
                break;
            case MovieLensLayout.Ml1M:
                builder = new FeatureTableBuilder(file, InteractionColumns.ItemId, ["title", "genres", "year"], errors);
                foreach (var (line, fields) in SplitLines(path, "::", 4))
                {
                    if (fields.Length != 3)
                    {
                        errors.Handle(new DataFormatException(file, line, fields.Length < 3 ? (fields.Length == 1 ? "title" : "genres") : null,
                            $"expected 3 fields (movie, title, genres) separated by '::', found {(fields.Length < 3 ? fields.Length.ToString(CultureInfo.InvariantCulture) : "more")}"));
                        continue;
                    }
                    builder.Add(fields[0], [fields[1], Genres(fields[2]), YearOf(fields[1])], line);
                }
                break;
            case MovieLensLayout.Latest:
                builder = new FeatureTableBuilder(file, InteractionColumns.ItemId, ["title", "genres", "year"], errors);
                using (var csv = CsvTokenizer.Open(path))
                {
                    if (!csv.Read()) throw new DataFormatException(file, null, null, $"the file is empty; expected the header {LatestMoviesHeader}");
                    string header = string.Join(",", Enumerable.Range(0, csv.FieldCount).Select(i => csv.GetString(i).Trim()));
                    if (!header.Equals(LatestMoviesHeader, StringComparison.OrdinalIgnoreCase))
                        throw new DataFormatException(file, csv.Line, null, $"the header is '{header}'; expected {LatestMoviesHeader}");
                    while (csv.Read())
                    {
                        if (csv.FieldCount != 3)
                        {
                            errors.Handle(new DataFormatException(file, csv.Line, csv.FieldCount < 3 ? (csv.FieldCount == 1 ? "title" : "genres") : null,
                                $"the row has {csv.FieldCount} fields but the header has 3 (movieId, title, genres)"));
                            continue;
                        }
                        string title = csv.GetString(1);
                        builder.Add(csv.GetString(0), [title, Genres(csv.GetString(2)), YearOf(title)], csv.Line);
                    }
                }
                break;
            default:
                throw new ArgumentException($"{layout} is not a MovieLens layout.", nameof(layout));
        }
        if (builder.Count == 0 && errors.Bad == 0)
            throw new DataFormatException(file, null, null, "the file has no movies");
        var table = builder.Build(options.Schema.Items, options.Schema.FileName, "items", fixedKinds);
        return (table, errors.Report(table.Count));
    }

    /// <summary>
    /// u.item: id | title | release date (dd-MMM-yyyy) | video release date | IMDb URL | 19 genre flags. The flags
    /// become one <c>|</c>-separated <c>genres</c> value; the year comes from the release date, else the title.
    /// </summary>
    private static FeatureTableBuilder ReadUItem(string path, RowErrors errors)
    {
        string file = Path.GetFileName(path);
        int expected = 5 + Ml100KGenres.Count;
        var builder = new FeatureTableBuilder(file, InteractionColumns.ItemId, ["title", "release_date", "year", "genres"], errors);
        var genres = new StringBuilder();
        foreach (var (line, fields) in SplitLines(path, "|", expected + 1))
        {
            if (fields.Length != expected)
            {
                errors.Handle(new DataFormatException(file, line, fields.Length < expected ? UItemFieldName(fields.Length) : null,
                    $"expected {expected} fields separated by '|' (id, title, release date, video release date, URL, 19 genre flags), found {(fields.Length < expected ? fields.Length.ToString(CultureInfo.InvariantCulture) : "more")}"));
                continue;
            }
            genres.Clear();
            int bad = -1;
            for (int g = 0; g < Ml100KGenres.Count; g++)
            {
                string flag = fields[5 + g].Trim();
                if (flag == "1") genres.Append(genres.Length > 0 ? "|" : "").Append(Ml100KGenres[g]);
                else if (flag != "0" && bad < 0) bad = g;
            }
            if (bad >= 0)
            {
                errors.Handle(new DataFormatException(file, line, Ml100KGenres[bad], $"a genre flag must be 0 or 1, found {ValueParsers.Quote(fields[5 + bad])}"));
                continue;
            }
            string? date = null, year = YearOf(fields[1]);
            string released = fields[2].Trim();
            if (DateTime.TryParseExact(released, "dd-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                year = day.Year.ToString(CultureInfo.InvariantCulture);
            }
            else if (released.Length > 0)
            {
                errors.Handle(new DataFormatException(file, line, "release_date", $"{ValueParsers.Quote(released)} is not a date like 01-Jan-1995"));
                continue;
            }
            builder.Add(fields[0], [fields[1], date, year, genres.Length > 0 ? genres.ToString() : null], line);
        }
        return builder;
    }

    private static string UItemFieldName(int index) => index switch
    {
        1 => "title",
        2 => "release_date",
        3 => "video_release_date",
        4 => "url",
        _ => Ml100KGenres[index - 5],
    };

    private static string? Genres(string genres)
    {
        genres = genres.Trim();
        return genres.Length == 0 || genres == NoGenres ? null : genres;
    }

    /// <summary>The year in a title ending with "(1995)", or null.</summary>
    internal static string? YearOf(string title)
    {
        var t = title.AsSpan().TrimEnd();
        if (t.Length < 6 || t[^1] != ')' || t[^6] != '(') return null;
        var digits = t[^5..^1];
        foreach (char c in digits)
            if (!char.IsAsciiDigit(c)) return null;
        return new string(digits);
    }

    /// <summary>Splits each non-blank line in at most <paramref name="maxFields"/> fields (the last keeps the rest).</summary>
    private static IEnumerable<(long Line, string[] Fields)> SplitLines(string path, string separator, int maxFields)
    {
        using var reader = OpenLatin1(path);
        long n = 0;
        while (reader.ReadLine() is { } text)
        {
            n++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            yield return (n, text.Split(separator, maxFields));
        }
    }

    private static StreamReader OpenLatin1(string path) =>
        new(path, Encoding.Latin1, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);

    private static string Printable(string separator) => separator == "\t" ? "\\t" : separator;
}
