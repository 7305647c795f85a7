using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Index;
using OrleansReco.Grains.Items;
using OrleansReco.Grains.Users;

// Managed bytes per user state and per shard item, measured as the growth of the settled GC heap
// (GC.GetTotalMemory(forceFullCollection: true)) while N objects shaped like the live ones are held.
// Every string is a fresh instance, as after reading state from storage. Writes footprint.json and footprint.md.
//   dotnet run -c Release --project bench/footprint -- [--users 100000] [--items 100000] [--dim 64] [--out bench/results]
var options = Args.Parse(args);
var users = new List<UserRow>();
foreach (int events in new[] { 0, 10, 50, 200 })
{
    int n = events >= 200 ? options.Users / 5 : options.Users;
    users.Add(Measure.Users(n, events, options.Dimension));
}
var items = new List<ItemRow>();
foreach (int dim in new[] { 64, 128 })
    items.Add(Measure.Items(options.Items, dim));

var activations = new List<ActivationRow> { await ActivationFootprint.MeasureAsync(options.Users / 2, options.Dimension) };

var result = new { machine = Machine.Describe(), method = Measure.Method, activationMethod = ActivationFootprint.Method, users, items, activations };
Directory.CreateDirectory(options.Out);
File.WriteAllText(Path.Combine(options.Out, "footprint.json"),
    JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
File.WriteAllText(Path.Combine(options.Out, "footprint.md"), Report.Markdown(users, items, activations));
Console.Write(Report.Markdown(users, items, activations));

internal sealed record UserRow(int Users, int Events, int EventIds, int Dimension, double BytesPerUser);
internal sealed record ItemRow(int Items, int Dimension, double ItemDataBytes, double SlotBytes, double IndexBytes, double IndexReportedBytes,
    double BuildSeconds)
{
    public double TotalBytes => ItemDataBytes + SlotBytes + IndexBytes;
}

internal sealed record Args(int Users, int Items, int Dimension, string Out)
{
    public static Args Parse(string[] args)
    {
        int users = 100_000, items = 100_000, dim = 64;
        string output = "bench/results";
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--users": users = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--items": items = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--dim": dim = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--out": output = args[i + 1]; break;
                default: throw new ArgumentException($"Unknown option {args[i]} (known: --users, --items, --dim, --out).");
            }
        }
        return new Args(users, items, dim, output);
    }
}

internal static class Measure
{
    public const string Method =
        "Settled managed heap (GC.GetTotalMemory(true), workstation non-concurrent GC) before and after building N objects shaped " +
        "like the live ones and holding them; the difference divided by N. Users: UserState with a 3-field profile, E StoredEvents " +
        "(item id, event type, value, timestamp), min(E, 1000) remembered event ids, a d-float embedding and a model version; every " +
        "string a fresh instance, as after reading from storage. Items: a StoredItem with 5 features (category, brand, product_type, " +
        "price, a 40-character title) in the shard's id->item map; the shard's slot structures (id->slot map, id and item arrays); an " +
        "HNSW index (M 16, M0 32, efConstruction 200) over N random vectors (normalised on insert) built with VectorIndex.Build on one thread, measured " +
        "after the input array was released. Orleans' per-activation bookkeeping is measured separately (below). Not included: serialisation buffers, the second " +
        "index held during a model swap, and the runtime's fixed overhead.";

    private static readonly string[] EventTypes = ["view", "click", "add_to_cart", "purchase"];

    public static UserRow Users(int n, int events, int dim)
    {
        var random = new Random(42);
        long before = Settled();
        var states = new UserState[n];
        for (int u = 0; u < n; u++)
        {
            var s = new UserState
            {
                Profile = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [Fresh("age_group")] = Fresh("26-40"),
                    [Fresh("segment")] = Fresh("mass_affluent"),
                    [Fresh("country")] = Fresh("AE"),
                },
                Embedding = new float[dim],
                ModelVersion = Fresh("20261124-120000"),
                EventCount = events,
            };
            for (int e = 0; e < events; e++)
            {
                s.Events.Add(new StoredEvent($"item-{random.Next(1_000_000):D7}", Fresh(EventTypes[random.Next(EventTypes.Length)]), 1f,
                    1_764_000_000 + e));
                if (e < 1000) s.RecentEventIds.Add($"evt-{u:D8}-{e:D6}");
            }
            states[u] = s;
        }
        long after = Settled();
        GC.KeepAlive(states);
        return new UserRow(n, events, Math.Min(events, 1000), dim, (after - before) / (double)n);
    }

    public static ItemRow Items(int n, int dim)
    {
        var random = new Random(7);
        long start = Settled();
        var map = new Dictionary<string, StoredItem>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
        {
            map[$"item-{i:D7}"] = new StoredItem
            {
                Features = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    [Fresh("category")] = $"cat-{random.Next(50)}",
                    [Fresh("brand")] = $"brand-{random.Next(500)}",
                    [Fresh("product_type")] = $"type-{random.Next(12)}",
                    [Fresh("price")] = (random.NextDouble() * 500).ToString("F2", CultureInfo.InvariantCulture),
                    [Fresh("title")] = $"Product {i:D7} with a forty-char title..",
                },
                Available = true,
            };
        }
        long afterData = Settled();

        var slotOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var ids = new string?[n];
        var slots = new StoredItem?[n];
        int k = 0;
        foreach (var (id, item) in map) { slotOf[id] = k; ids[k] = id; slots[k] = item; k++; }
        long afterSlots = Settled();

        var vectors = new float[n * dim];
        for (int i = 0; i < vectors.Length; i++) vectors[i] = (float)(random.NextDouble() * 2 - 1);
        var keys = Enumerable.Range(0, n).ToArray();
        long beforeIndex = Settled();
        var clock = Stopwatch.StartNew();
        var index = VectorIndex.Build(VectorMetric.Cosine, dim, keys, vectors, new HnswOptions(), threads: 1);
        double seconds = clock.Elapsed.TotalSeconds;
        long inputBytes = (long)vectors.Length * sizeof(float);
        vectors = null;
        long afterIndex = Settled();
        // beforeIndex still held the build's input vectors, which are released now: add them back.
        double indexBytes = (afterIndex - beforeIndex + inputBytes) / (double)n;

        var row = new ItemRow(n, dim, (afterData - start) / (double)n, (afterSlots - afterData) / (double)n,
            indexBytes, index.MemoryBytes / (double)n, seconds);
        GC.KeepAlive(map); GC.KeepAlive(slotOf); GC.KeepAlive(ids); GC.KeepAlive(slots); GC.KeepAlive(keys);
        index.Dispose();
        return row;
    }

    private static string Fresh(string s) => new(s.AsSpan());

    public static long Settled()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

internal static class Machine
{
    public static string Describe() =>
        $"{Environment.ProcessorCount} cores, {RuntimeInfo()}, load average {Load()}";

    private static string RuntimeInfo() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}

internal static class Report
{
    public static string Markdown(List<UserRow> users, List<ItemRow> items, List<ActivationRow> activations)
    {
        var md = new StringBuilder();
        md.AppendLine("# Memory footprint of user state and shard items");
        md.AppendLine();
        md.AppendLine($"Measured with `bench/footprint` on {Machine.Describe()}.");
        md.AppendLine();
        md.AppendLine(Measure.Method);
        md.AppendLine();
        md.AppendLine("| users | events each | event ids kept | d | bytes per user |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: |");
        foreach (var u in users) md.AppendLine(Inv($"| {u.Users:N0} | {u.Events} | {u.EventIds} | {u.Dimension} | {u.BytesPerUser:N0} |"));
        md.AppendLine();
        md.AppendLine("| items | d | item data B | slot maps B | HNSW index B (heap) | index's own estimate B | total B per item | build s (1 thread) |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var i in items)
            md.AppendLine(Inv($"| {i.Items:N0} | {i.Dimension} | {i.ItemDataBytes:N0} | {i.SlotBytes:N0} | {i.IndexBytes:N0} | {i.IndexReportedBytes:N0} | {i.TotalBytes:N0} | {i.BuildSeconds:F1} |"));
        md.AppendLine();
        md.AppendLine(ActivationFootprint.Method);
        md.AppendLine();
        md.AppendLine("| active user grains | d | heap bytes per grain | of which state | Orleans per-activation bookkeeping |");
        md.AppendLine("| ---: | ---: | ---: | ---: | ---: |");
        foreach (var a in activations)
            md.AppendLine(Inv($"| {a.Grains:N0} | {a.Dimension} | {a.BytesPerActiveGrain:N0} | {a.StateBytes:N0} | {a.OverheadBytes:N0} |"));
        return md.ToString();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
