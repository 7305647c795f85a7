using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Data.Writers;
using Parquet;
using Parquet.Schema;

namespace OrleansReco.Cli.Commands;

/// <summary>The file formats of <c>reco recommend</c>.</summary>
internal enum RecommendFormat
{
    Csv,
    Json,
    Parquet,
}

/// <summary>
/// Writes ranked lists user after user, in one of the <see cref="RecommendFormat"/>s: CSV rows
/// <c>user_id,item_id,rank,score[,field]</c>; JSON, one object whose members are the users, each a list
/// <c>[{item_id, rank, score[, group]}]</c> best first; Parquet, the CSV's columns (rank int32, score float). The rank
/// counts within a group when a per-field limit is set. <see cref="EndChunk"/> ends a batch of users (a Parquet row group).
/// </summary>
internal abstract class RecommendationWriter : IDisposable
{
    protected RecommendationWriter(IReadOnlyList<string> itemIds, string? field)
    {
        ItemIds = itemIds;
        Field = field;
    }

    protected IReadOnlyList<string> ItemIds { get; }

    protected string? Field { get; }

    public static RecommendationWriter Create(RecommendFormat format, Stream stream, IReadOnlyList<string> itemIds, string? field) => format switch
    {
        RecommendFormat.Csv => new CsvWriter(stream, itemIds, field),
        RecommendFormat.Json => new JsonWriter(stream, itemIds, field),
        RecommendFormat.Parquet => new ParquetRowsWriter(stream, itemIds, field),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>One user's list, best first (grouped by value when a field limit is set).</summary>
    public void WriteUser(string user, List<(string? Group, int Item, float Score)> rows)
    {
        int rank = 0;
        string? group = null;
        BeginUser(user);
        foreach (var (g, item, score) in rows)
        {
            rank = g == group ? rank + 1 : 1;
            group = g;
            WriteRow(user, ItemIds[item], rank, score, g);
        }
        EndUser();
    }

    protected virtual void BeginUser(string user) { }

    protected abstract void WriteRow(string user, string itemId, int rank, float score, string? group);

    protected virtual void EndUser() { }

    public virtual void EndChunk() { }

    public abstract void Dispose();

    private sealed class CsvWriter : RecommendationWriter
    {
        private readonly StreamWriter _writer;

        public CsvWriter(Stream stream, IReadOnlyList<string> itemIds, string? field) : base(itemIds, field)
        {
            _writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            _writer.Write("user_id,item_id,rank,score");
            if (field is not null)
            {
                _writer.Write(',');
                CsvTableWriter.WriteField(_writer, field);
            }
            _writer.Write('\n');
        }

        protected override void WriteRow(string user, string itemId, int rank, float score, string? group)
        {
            CsvTableWriter.WriteField(_writer, user);
            _writer.Write(',');
            CsvTableWriter.WriteField(_writer, itemId);
            _writer.Write(',');
            _writer.Write(rank.ToString(CultureInfo.InvariantCulture));
            _writer.Write(',');
            _writer.Write(score.ToString("0.######", CultureInfo.InvariantCulture));
            if (Field is not null)
            {
                _writer.Write(',');
                CsvTableWriter.WriteField(_writer, group ?? "");
            }
            _writer.Write('\n');
        }

        public override void Dispose() => _writer.Dispose();
    }

    private sealed class JsonWriter : RecommendationWriter
    {
        private readonly Utf8JsonWriter _writer;

        public JsonWriter(Stream stream, IReadOnlyList<string> itemIds, string? field) : base(itemIds, field)
        {
            _writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false });
            _writer.WriteStartObject();
        }

        protected override void BeginUser(string user)
        {
            _writer.WritePropertyName(user);
            _writer.WriteStartArray();
        }

        protected override void WriteRow(string user, string itemId, int rank, float score, string? group)
        {
            _writer.WriteStartObject();
            _writer.WriteString("item_id", itemId);
            _writer.WriteNumber("rank", rank);
            _writer.WriteNumber("score", Math.Round(score, 6));
            if (Field is not null) _writer.WriteString("group", group);
            _writer.WriteEndObject();
        }

        protected override void EndUser() => _writer.WriteEndArray();

        public override void EndChunk() => _writer.Flush();

        public override void Dispose()
        {
            _writer.WriteEndObject();
            _writer.Flush();
            _writer.Dispose();
        }
    }

    private sealed class ParquetRowsWriter : RecommendationWriter
    {
        private readonly ParquetWriter _writer;
        private readonly DataField<string> _user = new("user_id", nullable: false);
        private readonly DataField<string> _item = new("item_id", nullable: false);
        private readonly DataField<int> _rank = new("rank");
        private readonly DataField<float> _score = new("score");
        private readonly DataField<string>? _group;
        private readonly List<string> _users = [], _items = [];
        private readonly List<int> _ranks = [];
        private readonly List<float> _scores = [];
        private readonly List<string?> _groups = [];
        private bool _wroteAny;

        public ParquetRowsWriter(Stream stream, IReadOnlyList<string> itemIds, string? field) : base(itemIds, field)
        {
            _group = field is null ? null : new DataField<string>(field, nullable: true);
            Field[] fields = _group is null ? [_user, _item, _rank, _score] : [_user, _item, _rank, _score, _group];
            _writer = ParquetWriter.CreateAsync(new ParquetSchema(fields), stream).GetAwaiter().GetResult();
        }

        protected override void WriteRow(string user, string itemId, int rank, float score, string? group)
        {
            _users.Add(user);
            _items.Add(itemId);
            _ranks.Add(rank);
            _scores.Add(score);
            _groups.Add(group);
        }

        public override void EndChunk()
        {
            if (_users.Count == 0) return;
            WriteGroupAsync().GetAwaiter().GetResult();
        }

        private async Task WriteGroupAsync()
        {
            using (var group = _writer.CreateRowGroup())
            {
                await group.WriteAsync(_user, new ArraySegment<string>(_users.ToArray()));
                await group.WriteAsync(_item, new ArraySegment<string>(_items.ToArray()));
                await group.WriteAsync<int>(_rank, _ranks.ToArray().AsMemory());
                await group.WriteAsync<float>(_score, _scores.ToArray().AsMemory());
                if (_group is not null) await group.WriteAsync(_group, new ArraySegment<string?>(_groups.ToArray())!);
            }
            _wroteAny = true;
            _users.Clear();
            _items.Clear();
            _ranks.Clear();
            _scores.Clear();
            _groups.Clear();
        }

        public override void Dispose()
        {
            if (_users.Count > 0 || !_wroteAny) WriteGroupAsync().GetAwaiter().GetResult();
            _writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
