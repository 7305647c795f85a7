using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansReco.Core.Index;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>
/// <c>reco bench ann</c>: builds our HNSW index on an ANN-benchmark dataset (.fvecs/.ivecs) and reports
/// build time, index bytes, single-thread QPS and recall@10 per ef, and exact brute-force QPS.
/// With <c>--generate clustered</c> it writes such a dataset instead.
/// </summary>
internal static class AnnBenchCommand
{
    public static Command Create()
    {
        var basePath = new Option<string?>("--base") { Description = "Base vectors (.fvecs)." };
        var queryPath = new Option<string?>("--query") { Description = "Query vectors (.fvecs)." };
        var truthPath = new Option<string?>("--truth") { Description = "Exact neighbours of each query (.ivecs), best first." };
        var metric = new Option<string>("--metric") { Description = "cosine or l2.", DefaultValueFactory = _ => "cosine" };
        var m = new Option<int>("--m") { Description = "HNSW M (links per node).", DefaultValueFactory = _ => 16 };
        var efConstruction = new Option<int>("--ef-construction") { Description = "HNSW efConstruction.", DefaultValueFactory = _ => 200 };
        var efList = new Option<string>("--ef") { Description = "Comma-separated ef values to measure.", DefaultValueFactory = _ => "10,16,32,64,128,256" };
        var threads = new Option<int>("--threads") { Description = "Build threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var output = new Option<string>("--out") { Description = "JSON results path; Markdown goes beside it (.md).", DefaultValueFactory = _ => "ann.json" };
        var bruteQueries = new Option<int>("--brute-queries") { Description = "Queries timed for the exact brute-force QPS.", DefaultValueFactory = _ => 1000 };
        var generate = new Option<string?>("--generate") { Description = "Write a dataset instead of benchmarking: 'clustered'." };
        var n = new Option<int>("--n") { Description = "Base vectors to generate.", DefaultValueFactory = _ => 100_000 };
        var d = new Option<int>("--d") { Description = "Dimension to generate.", DefaultValueFactory = _ => 64 };
        var queries = new Option<int>("--queries") { Description = "Queries to generate.", DefaultValueFactory = _ => 10_000 };
        var dataDir = new Option<string>("--data-dir") { Description = "Folder for generated base.fvecs, query.fvecs, truth.ivecs.", DefaultValueFactory = _ => "ann-data" };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 42 };

        var command = new Command("ann", "Benchmark the HNSW index (build, memory, QPS and recall@10 per ef) or generate a dataset.")
        {
            basePath, queryPath, truthPath, metric, m, efConstruction, efList, threads, output, bruteQueries, generate, n, d, queries, dataDir, seed,
        };
        command.SetAction(parse =>
        {
            string? kind = parse.GetValue(generate);
            int threadCount = Math.Max(1, parse.GetValue(threads));
            if (kind is not null)
            {
                if (kind != "clustered") { Console.Error.WriteLine($"--generate supports 'clustered', not '{kind}'."); return 2; }
                if (parse.GetValue(n) <= 0 || parse.GetValue(d) <= 0 || parse.GetValue(queries) <= 0)
                { Console.Error.WriteLine("--n, --d and --queries must be positive."); return 2; }
                string folder = parse.GetValue(dataDir)!;
                Console.WriteLine($"Generating clustered {parse.GetValue(n)} x {parse.GetValue(d)} ({ClusteredDataset.Clusters} Zipf-sized clusters) into {folder}...");
                ClusteredDataset.Generate(folder, parse.GetValue(n), parse.GetValue(queries), parse.GetValue(d), truthK: 10, parse.GetValue(seed), threadCount);
                return 0;
            }
            string? b = parse.GetValue(basePath), q = parse.GetValue(queryPath), t = parse.GetValue(truthPath);
            if (b is null || q is null || t is null) { Console.Error.WriteLine("--base, --query and --truth are required (or --generate)."); return 2; }
            VectorMetric vectorMetric;
            switch (parse.GetValue(metric))
            {
                case "cosine": vectorMetric = VectorMetric.Cosine; break;
                case "l2": vectorMetric = VectorMetric.SquaredL2; break;
                default: Console.Error.WriteLine($"--metric must be cosine or l2, not '{parse.GetValue(metric)}'."); return 2;
            }
            int[] efs;
            try { efs = parse.GetValue(efList)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); }
            catch (FormatException) { Console.Error.WriteLine($"--ef must be comma-separated integers, not '{parse.GetValue(efList)}'."); return 2; }
            var options = new HnswOptions { M = parse.GetValue(m), EfConstruction = parse.GetValue(efConstruction), Seed = parse.GetValue(seed) };
            return Run(b, q, t, vectorMetric, options, efs, threadCount, parse.GetValue(bruteQueries), parse.GetValue(output)!);
        });
        return command;
    }

    private sealed record EfRun(int Ef, double RecallAt10, double Qps);

    private static int Run(string basePath, string queryPath, string truthPath, VectorMetric metric, HnswOptions options,
        int[] efs, int threads, int bruteQueries, string output)
    {
        var (baseVectors, n, dim) = AnnFiles.ReadFvecs(basePath);
        var (queryVectors, nq, queryDim) = AnnFiles.ReadFvecs(queryPath);
        var (truth, nt, truthK) = AnnFiles.ReadIvecs(truthPath);
        if (queryDim != dim) { Console.Error.WriteLine($"{queryPath} has dimension {queryDim}; {basePath} has {dim}."); return 2; }
        if (nt != nq || truthK < 10) { Console.Error.WriteLine($"{truthPath} must hold at least 10 neighbours for each of the {nq} queries."); return 2; }
        Console.WriteLine($"ann: {n} x {dim} base, {nq} queries, metric {metric}, M {options.M}, efConstruction {options.EfConstruction}, {threads} build threads");

        var ids = Enumerable.Range(0, n).ToArray();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        int lastPercent = -1;
        using var index = VectorIndex.Build(metric, dim, ids, baseVectors, options, threads, (done, total) =>
        {
            int percent = (int)(100L * done / total);
            if (percent / 10 != lastPercent / 10) { lastPercent = percent; Console.WriteLine($"  build {percent,3}%  {clock.Elapsed.TotalSeconds,6:F1} s"); }
        });
        double buildSeconds = clock.Elapsed.TotalSeconds;
        long heapDelta = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        long indexBytes = index.MemoryBytes;
        Console.WriteLine($"Built in {buildSeconds:F2} s; index {indexBytes / 1e6:F1} MB (managed heap grew {heapDelta / 1e6:F1} MB).");

        var runs = new List<EfRun>();
        var hits = new SearchHit[10];
        foreach (int ef in efs)
        {
            for (int i = 0; i < Math.Min(nq, 500); i++) index.Search(queryVectors.AsSpan(i * dim, dim), 10, hits, ef);
            long found = 0;
            var timer = Stopwatch.StartNew();
            double elapsed = 0;
            for (int i = 0; i < nq; i++)
            {
                timer.Restart();
                int count = index.Search(queryVectors.AsSpan(i * dim, dim), 10, hits, ef);
                elapsed += timer.Elapsed.TotalSeconds;
                var expected = truth.AsSpan(i * truthK, 10);
                for (int h = 0; h < count; h++) if (expected.Contains(hits[h].Id)) found++;
            }
            var run = new EfRun(ef, found / (10.0 * nq), nq / elapsed);
            runs.Add(run);
            Console.WriteLine($"  ef {ef,4}: recall@10 {run.RecallAt10:F4}  {run.Qps,9:F0} q/s");
        }

        using var brute = VectorIndex.CreateBruteForce(metric, dim, n);
        for (int i = 0; i < n; i++) brute.Add(i, baseVectors.AsSpan(i * dim, dim));
        int bq = Math.Min(nq, Math.Max(1, bruteQueries));
        var bruteClock = Stopwatch.StartNew();
        for (int i = 0; i < bq; i++) brute.Search(queryVectors.AsSpan(i * dim, dim), 10, hits);
        double bruteQps = bq / bruteClock.Elapsed.TotalSeconds;
        Console.WriteLine($"  brute force: {bruteQps:F0} q/s");

        var result = new
        {
            implementation = "orleansreco",
            dataset = new { @base = basePath, n, d = dim, queries = nq },
            metric = metric == VectorMetric.Cosine ? "cosine" : "l2",
            m = options.M,
            ef_construction = options.EfConstruction,
            threads,
            build_seconds = buildSeconds,
            index_bytes = indexBytes,
            managed_heap_delta_bytes = heapDelta,
            brute_force_qps = bruteQps,
            runs = runs.Select(r => new { ef = r.Ef, recall_at_10 = r.RecallAt10, qps = r.Qps }).ToArray(),
        };
        string? folder = Path.GetDirectoryName(Path.GetFullPath(output));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.WriteAllText(output, JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.ChangeExtension(output, ".md"), Markdown(n, dim, nq, options, threads, buildSeconds, indexBytes, bruteQps, runs));
        Console.WriteLine($"Wrote {output} and {Path.ChangeExtension(output, ".md")}.");
        return 0;
    }

    private static string Markdown(int n, int dim, int nq, HnswOptions options, int threads, double build, long bytes, double bruteQps, List<EfRun> runs)
    {
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine(c, $"# ANN benchmark: OrleansReco HNSW");
        md.AppendLine();
        md.AppendLine(c, $"{n} x {dim} base, {nq} queries, M {options.M}, efConstruction {options.EfConstruction}, {threads} build threads.");
        md.AppendLine();
        md.AppendLine(c, $"Build {build:F2} s, index {bytes / 1e6:F1} MB, exact brute force {bruteQps:F0} q/s (single thread).");
        md.AppendLine();
        md.AppendLine("| ef | recall@10 | q/s (1 thread) |");
        md.AppendLine("| ---: | ---: | ---: |");
        foreach (var r in runs) md.AppendLine(c, $"| {r.Ef} | {r.RecallAt10:F4} | {r.Qps:F0} |");
        return md.ToString();
    }
}
