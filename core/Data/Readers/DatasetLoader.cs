using System.Text;

namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Loads a dataset: an interactions file, optional users and items files and an optional JSON schema, each in
/// whichever supported format it is in. The format is told from the file name (MovieLens names), the extension
/// (<c>.parquet</c>) and the content (the Parquet magic bytes, <c>::</c> or tab separated MovieLens lines, the
/// MovieLens latest headers); anything else is read as CSV with a header.
/// </summary>
public static class DatasetLoader
{
    /// <summary>Reads the files named by <paramref name="sources"/>; a schema file there replaces <see cref="LoadOptions.Schema"/>.</summary>
    /// <exception cref="DataFormatException">A file is empty or malformed (bad rows only with <see cref="LoadOptions.SkipBadRows"/> off).</exception>
    /// <exception cref="FileNotFoundException">A named file does not exist.</exception>
    public static LoadResult Load(DatasetSources sources, LoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        options ??= LoadOptions.Default;
        if (sources.Schema is not null)
            options = options with { Schema = DataSchema.Load(RequireFile(sources.Schema, "schema")) };

        var reports = new List<FileReport>(3);
        var (interactions, interactionsReport) = ReadInteractions(RequireFile(sources.Interactions, "interactions"), options);
        reports.Add(interactionsReport);
        FeatureTable? users = null, items = null;
        if (sources.Users is not null)
        {
            var (table, report) = ReadUsers(RequireFile(sources.Users, "users"), options);
            users = table;
            reports.Add(WithCoverage(report, table, interactions, static e => e.UserId, "users"));
        }
        if (sources.Items is not null)
        {
            var (table, report) = ReadItems(RequireFile(sources.Items, "items"), options);
            items = table;
            reports.Add(WithCoverage(report, table, interactions, static e => e.ItemId, "items"));
        }
        return new LoadResult(new InteractionDataset(interactions, users, items), new LoadReport(reports));
    }

    /// <summary>
    /// Loads a MovieLens folder as downloaded and unpacked: <c>u.data</c> with <c>u.user</c> and <c>u.item</c>
    /// (100K), <c>ratings.dat</c> with <c>users.dat</c> and <c>movies.dat</c> (1M), or <c>ratings.csv</c> with
    /// <c>movies.csv</c> (latest, 20M, 25M). The files may also sit in a single subfolder (e.g. <c>ml-100k/</c>).
    /// </summary>
    public static LoadResult LoadMovieLensDirectory(string folder, LoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"MovieLens folder '{folder}' does not exist.");
        var sources = FindMovieLens(folder);
        if (sources is null)
        {
            var found = Directory.EnumerateDirectories(folder).Select(FindMovieLens).Where(s => s is not null).ToList();
            sources = found.Count switch
            {
                1 => found[0],
                0 => throw new FileNotFoundException(
                    $"No MovieLens ratings file in '{folder}' or its subfolders: looked for u.data (100K), ratings.dat (1M) and ratings.csv (latest)."),
                _ => throw new ArgumentException(
                    $"'{folder}' holds {found.Count} MovieLens datasets ({string.Join(", ", found.Select(s => Path.GetRelativePath(folder, s!.Interactions)))}); name one of their folders.",
                    nameof(folder)),
            };
        }
        return Load(sources!, options);
    }

    private static DatasetSources? FindMovieLens(string folder)
    {
        (string Ratings, string? Users, string? Items)[] layouts =
        [
            ("u.data", "u.user", "u.item"),
            ("ratings.dat", "users.dat", "movies.dat"),
            ("ratings.csv", null, "movies.csv"),
        ];
        foreach (var (ratings, users, items) in layouts)
        {
            if (Find(folder, ratings) is not { } ratingsPath) continue;
            return new DatasetSources(ratingsPath, users is null ? null : Find(folder, users), items is null ? null : Find(folder, items));
        }
        return null;
    }

    private static string? Find(string folder, string name) =>
        Directory.EnumerateFiles(folder).FirstOrDefault(f => Path.GetFileName(f).Equals(name, StringComparison.OrdinalIgnoreCase));

    private static (List<Interaction>, FileReport) ReadInteractions(string path, LoadOptions options)
    {
        if (IsParquet(path)) return ParquetTableReader.ReadInteractions(path, options);
        string name = Path.GetFileName(path).ToLowerInvariant();
        string first = FirstLine(path);
        if (name == "u.data" || (name != "ratings.dat" && LooksLikeUData(first)))
            return MovieLensReader.ReadRatings(path, MovieLensLayout.Ml100K, options);
        if (name == "ratings.dat" || first.Contains("::", StringComparison.Ordinal))
            return MovieLensReader.ReadRatings(path, MovieLensLayout.Ml1M, options);
        bool latest = first.Trim().TrimStart('\uFEFF').Equals(MovieLensReader.LatestRatingsHeader, StringComparison.Ordinal);
        return CsvTableReader.ReadInteractions(path, options, latest ? MovieLensReader.FormatName(MovieLensLayout.Latest) : "csv");
    }

    private static (FeatureTable, FileReport) ReadUsers(string path, LoadOptions options)
    {
        if (IsParquet(path)) return ParquetTableReader.ReadFeatures(path, InteractionColumns.UserId, options);
        string name = Path.GetFileName(path).ToLowerInvariant();
        string first = FirstLine(path);
        if (name == "u.user") return MovieLensReader.ReadUsers(path, MovieLensLayout.Ml100K, options);
        if (name == "users.dat" || first.Contains("::", StringComparison.Ordinal)) return MovieLensReader.ReadUsers(path, MovieLensLayout.Ml1M, options);
        if (LooksLikeUUser(first)) return MovieLensReader.ReadUsers(path, MovieLensLayout.Ml100K, options);
        return CsvTableReader.ReadFeatures(path, InteractionColumns.UserId, options);
    }

    private static (FeatureTable, FileReport) ReadItems(string path, LoadOptions options)
    {
        if (IsParquet(path)) return ParquetTableReader.ReadFeatures(path, InteractionColumns.ItemId, options);
        string name = Path.GetFileName(path).ToLowerInvariant();
        string first = FirstLine(path);
        if (name == "u.item" || (name != "movies.dat" && first.Split('|').Length == 5 + MovieLensReader.Ml100KGenres.Count))
            return MovieLensReader.ReadMovies(path, MovieLensLayout.Ml100K, options);
        if (name == "movies.dat" || first.Contains("::", StringComparison.Ordinal))
            return MovieLensReader.ReadMovies(path, MovieLensLayout.Ml1M, options);
        if (first.Trim().TrimStart('\uFEFF').Equals(MovieLensReader.LatestMoviesHeader, StringComparison.Ordinal))
            return MovieLensReader.ReadMovies(path, MovieLensLayout.Latest, options);
        return CsvTableReader.ReadFeatures(path, InteractionColumns.ItemId, options);
    }

    /// <summary>A <c>.parquet</c> extension or the Parquet magic bytes.</summary>
    private static bool IsParquet(string path) =>
        Path.GetExtension(path).Equals(".parquet", StringComparison.OrdinalIgnoreCase) || ParquetTableReader.HasParquetMagic(path);

    /// <summary>u.data lines: four tab-separated numbers (user, movie, rating, timestamp), no header.</summary>
    private static bool LooksLikeUData(string line)
    {
        var fields = line.Split('\t');
        return fields.Length == 4 && fields.All(f => ValueParsers.TryParseDouble(f, out _));
    }

    /// <summary>u.user lines: id|age|gender|occupation|zip, no header.</summary>
    private static bool LooksLikeUUser(string line)
    {
        var fields = line.Split('|');
        return fields.Length == 5 && ValueParsers.TryParseDouble(fields[1], out _);
    }

    /// <summary>The first non-blank line (up to 64 KiB of it), read as latin-1 so any bytes decode.</summary>
    private static string FirstLine(string path)
    {
        using var reader = new StreamReader(path, Encoding.Latin1, detectEncodingFromByteOrderMarks: false);
        var buffer = new char[1 << 16];
        int n = reader.ReadBlock(buffer, 0, buffer.Length);
        var text = buffer.AsSpan(0, n).TrimStart("\r\n \t");
        int end = text.IndexOfAny('\r', '\n');
        return new string(end < 0 ? text : text[..end]);
    }

    private static string RequireFile(string path, string role)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path, role);
        if (Directory.Exists(path))
            throw new FileNotFoundException($"The {role} file '{path}' is a folder; name a file (or use {nameof(LoadMovieLensDirectory)} for a MovieLens folder).", path);
        return File.Exists(path) ? path : throw new FileNotFoundException($"The {role} file '{path}' does not exist.", path);
    }

    /// <summary>Adds a note when events name ids the feature table lacks (they get no features).</summary>
    private static FileReport WithCoverage(FileReport report, FeatureTable table, List<Interaction> interactions, Func<Interaction, string> id, string what)
    {
        var missing = new HashSet<string>(StringComparer.Ordinal);
        string? last = null;
        foreach (var e in interactions)
        {
            string key = id(e);
            if (ReferenceEquals(key, last)) continue;
            last = key;
            if (!table.TryGetRow(key, out _)) missing.Add(key);
        }
        if (missing.Count == 0) return report;
        string note = $"{missing.Count:N0} {what} in the interactions are not in this table (e.g. '{missing.First()}'); they get no features";
        return report with { Notes = [.. report.Notes ?? [], note] };
    }
}
