using System.Buffers;
using System.Text;

namespace OrleansReco.Core.Data.Readers;

/// <summary>
/// Streaming RFC 4180 reader: comma (or another one-character) separated fields, double-quoted fields that may hold
/// separators, doubled quotes and line breaks, CRLF or LF line ends, a UTF-8 byte-order mark. Blank lines are skipped.
/// Fields of the current record are exposed as spans over one reused buffer, so reading allocates nothing per field
/// unless the caller asks for a string. Runs of ordinary characters are found with a vectorised search and copied
/// in one go, so the per-character cost is paid only at separators, quotes and line ends.
/// </summary>
internal sealed class CsvTokenizer : IDisposable
{
    private readonly TextReader _reader;
    private readonly char _separator;
    private readonly SearchValues<char> _special;
    private readonly char[] _buffer = new char[1 << 16];
    private int _pos;
    private int _len;
    private char[] _text = new char[1024];
    private int _textLen;
    private (int Start, int Length)[] _fields = new (int, int)[16];
    private int _fieldCount;
    private long _nextLine = 1;

    public CsvTokenizer(TextReader reader, string fileName, char separator = ',')
    {
        if (separator is '"' or '\r' or '\n')
            throw new ArgumentException($"'{separator}' cannot be a field separator.", nameof(separator));
        _reader = reader;
        FileName = fileName;
        _separator = separator;
        _special = SearchValues.Create([separator, '"', '\r', '\n']);
    }

    /// <summary>Opens <paramref name="path"/> as UTF-8 (a BOM is honoured and dropped).</summary>
    public static CsvTokenizer Open(string path, char separator = ',') =>
        new(new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16), Path.GetFileName(path), separator);

    public string FileName { get; }

    /// <summary>Line (1-based) on which the current record starts.</summary>
    public long Line { get; private set; }

    public int FieldCount => _fieldCount;

    public ReadOnlySpan<char> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_fieldCount) throw new ArgumentOutOfRangeException(nameof(index));
            var (start, length) = _fields[index];
            return _text.AsSpan(start, length);
        }
    }

    public string GetString(int index) => new(this[index]);

    /// <summary>Reads the next non-blank record; false at the end of the file.</summary>
    public bool Read()
    {
        while (true)
        {
            _fieldCount = 0;
            _textLen = 0;
            if (_pos == _len && !Fill()) return false;
            Line = _nextLine;
            bool anyQuoted = ReadRecord();
            if (_fieldCount == 1 && _fields[0].Length == 0 && !anyQuoted) continue; // blank line
            if (Line == 1 && _fields[0].Length > 0 && _text[_fields[0].Start] == '\uFEFF')
                _fields[0] = (_fields[0].Start + 1, _fields[0].Length - 1);
            return true;
        }
    }

    /// <summary>Reads one record into <see cref="_text"/> and <see cref="_fields"/>; true when any field was quoted.</summary>
    private bool ReadRecord()
    {
        int fieldStart = 0;
        bool inQuotes = false;
        bool fieldQuoted = false;
        bool anyQuoted = false;
        while (true)
        {
            if (_pos == _len && !Fill())
            {
                if (inQuotes)
                    throw new DataFormatException(FileName, Line, null, "a quoted field is not closed before the end of the file");
                AddField(fieldStart);
                return anyQuoted;
            }
            if (inQuotes)
            {
                // Inside quotes only the quote is special; line breaks are kept and counted.
                var rest = _buffer.AsSpan(_pos, _len - _pos);
                int quote = rest.IndexOf('"');
                var run = quote < 0 ? rest : rest[..quote];
                _nextLine += run.Count('\n');
                Append(run);
                _pos += run.Length;
                if (quote < 0) continue;
                _pos++; // the quote
                if (Peek() == '"') { _pos++; Append('"'); }
                else inQuotes = false;
                continue;
            }
            var span = _buffer.AsSpan(_pos, _len - _pos);
            int stop = span.IndexOfAny(_special);
            if (stop < 0)
            {
                Append(span);
                _pos = _len;
                continue;
            }
            Append(span[..stop]);
            _pos += stop;
            char ch = _buffer[_pos++];
            if (ch == _separator)
            {
                AddField(fieldStart);
                fieldStart = _textLen;
                fieldQuoted = false;
            }
            else if (ch == '"')
            {
                // A quote opens a quoted field only at the field's start; elsewhere it is an ordinary character.
                if (_textLen == fieldStart && !fieldQuoted) inQuotes = fieldQuoted = anyQuoted = true;
                else Append('"');
            }
            else
            {
                if (ch == '\r' && Peek() == '\n') _pos++;
                _nextLine++;
                AddField(fieldStart);
                return anyQuoted;
            }
        }
    }

    private void AddField(int start)
    {
        if (_fieldCount == _fields.Length) Array.Resize(ref _fields, _fields.Length * 2);
        _fields[_fieldCount++] = (start, _textLen - start);
    }

    private void Append(char c)
    {
        if (_textLen == _text.Length) Array.Resize(ref _text, _text.Length * 2);
        _text[_textLen++] = c;
    }

    private void Append(ReadOnlySpan<char> run)
    {
        if (run.IsEmpty) return;
        if (_textLen + run.Length > _text.Length) Array.Resize(ref _text, Math.Max(_text.Length * 2, _textLen + run.Length));
        run.CopyTo(_text.AsSpan(_textLen));
        _textLen += run.Length;
    }

    private int Peek()
    {
        if (_pos == _len && !Fill()) return -1;
        return _buffer[_pos];
    }

    private bool Fill()
    {
        _len = _reader.Read(_buffer, 0, _buffer.Length);
        _pos = 0;
        return _len > 0;
    }

    public void Dispose() => _reader.Dispose();
}
