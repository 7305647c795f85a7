namespace OrleansReco.Core.Data;

/// <summary>
/// Bad input in a data file. The message names the file, and where known the line (1-based, the line on which
/// the offending record starts) and the field, e.g. <c>ratings.csv line 17, field 'timestamp': '12x' is not a
/// unix time or ISO 8601 date</c>.
/// </summary>
public sealed class DataFormatException : Exception
{
    public DataFormatException(string file, long? line, string? field, string problem, Exception? inner = null)
        : base(Format(file, line, field, problem), inner)
    {
        File = file;
        Line = line;
        Field = field;
        Problem = problem;
    }

    /// <summary>File name (without folder) the problem is in.</summary>
    public string File { get; }

    /// <summary>1-based line on which the bad record starts, or null for a whole-file problem.</summary>
    public long? Line { get; }

    /// <summary>Column the problem is in, or null when it is not about one field.</summary>
    public string? Field { get; }

    /// <summary>The problem alone, without the location.</summary>
    public string Problem { get; }

    private static string Format(string file, long? line, string? field, string problem)
    {
        string where = file;
        if (line is { } l) where += $" line {l}";
        if (field is not null) where += line is null ? $", column '{field}'" : $", field '{field}'";
        return $"{where}: {problem}";
    }
}
