namespace OrleansReco.Core.Data.Readers;

/// <summary>How files are read.</summary>
public sealed record LoadOptions
{
    /// <summary>Count and report malformed rows instead of stopping at the first one.</summary>
    public bool SkipBadRows { get; init; }

    /// <summary>Declared feature kinds and event-type names; <see cref="DataSchema.Empty"/> infers everything.</summary>
    public DataSchema Schema { get; init; } = DataSchema.Empty;

    /// <summary>How many bad-row messages per file the report keeps (all are counted).</summary>
    public int MaxErrorsKept { get; init; } = 5;

    public static LoadOptions Default { get; } = new();
}

/// <summary>The files to load. Interactions are required; the feature tables and the schema are optional.</summary>
/// <param name="Interactions">Interactions CSV or Parquet, or a MovieLens ratings file (u.data, ratings.dat, ratings.csv).</param>
/// <param name="Users">Users table (users.csv/.parquet, u.user, users.dat), or null.</param>
/// <param name="Items">Items table (items.csv/.parquet, u.item, movies.dat, movies.csv), or null.</param>
/// <param name="Schema">JSON schema file (see <see cref="DataSchema"/>), or null.</param>
public sealed record DatasetSources(string Interactions, string? Users = null, string? Items = null, string? Schema = null);

/// <summary>What was read from one file.</summary>
/// <param name="File">File name.</param>
/// <param name="Format">Detected format, e.g. "csv", "parquet", "movielens-100k".</param>
/// <param name="Rows">Rows kept.</param>
/// <param name="BadRows">Malformed rows skipped (only with <see cref="LoadOptions.SkipBadRows"/>).</param>
/// <param name="Errors">The first few bad-row messages.</param>
/// <param name="Notes">Remarks on how the file was read (e.g. that it has no timestamps), or null.</param>
public sealed record FileReport(string File, string Format, long Rows, long BadRows, IReadOnlyList<string> Errors, IReadOnlyList<string>? Notes = null);

/// <summary>What a load read, file by file.</summary>
public sealed record LoadReport(IReadOnlyList<FileReport> Files)
{
    public long BadRows => Files.Sum(f => f.BadRows);

    /// <summary>One line per file with rows and bad rows, then the kept error messages.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var f in Files)
        {
            yield return $"{f.File} ({f.Format}): {f.Rows:N0} rows" + (f.BadRows > 0 ? $", {f.BadRows:N0} bad rows skipped" : "");
            foreach (var n in f.Notes ?? []) yield return "  note: " + n;
            foreach (var e in f.Errors) yield return "  " + e;
        }
    }
}

/// <summary>The loaded data and the report of what was read.</summary>
public sealed record LoadResult(InteractionDataset Dataset, LoadReport Report);

/// <summary>Counts bad rows of one file and either throws (default) or keeps going.</summary>
internal sealed class RowErrors(string file, string format, LoadOptions options)
{
    private readonly List<string> _kept = [];

    public long Bad { get; private set; }

    /// <summary>Throws <paramref name="error"/> unless bad rows are skipped, in which case it is counted.</summary>
    public void Handle(DataFormatException error)
    {
        if (!options.SkipBadRows) throw error;
        Bad++;
        if (_kept.Count < options.MaxErrorsKept) _kept.Add(error.Message);
    }

    public FileReport Report(long rows, string? note = null) => new(file, format, rows, Bad, _kept, note is null ? null : [note]);
}
