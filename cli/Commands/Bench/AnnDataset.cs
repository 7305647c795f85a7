using System.Numerics.Tensors;
using OrleansReco.Core.Vectors;

namespace OrleansReco.Cli.Commands.Bench;

/// <summary>Reads and writes the ANN-benchmark formats: each record is an int32 length d followed by d float32 (.fvecs) or int32 (.ivecs).</summary>
internal static class AnnFiles
{
    public static (float[] Data, int Count, int Dimension) ReadFvecs(string path)
    {
        var (raw, count, dim) = ReadRecords(path);
        var data = new float[(long)count * dim];
        Buffer.BlockCopy(raw, 0, data, 0, data.Length * sizeof(float));
        return (data, count, dim);
    }

    public static (int[] Data, int Count, int Dimension) ReadIvecs(string path)
    {
        var (raw, count, dim) = ReadRecords(path);
        var data = new int[(long)count * dim];
        Buffer.BlockCopy(raw, 0, data, 0, data.Length * sizeof(int));
        return (data, count, dim);
    }

    private static (byte[] Payload, int Count, int Dimension) ReadRecords(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4) throw new InvalidDataException($"{path}: too short for a vecs file.");
        int dim = BitConverter.ToInt32(bytes, 0);
        if (dim <= 0 || bytes.Length % (4 + 4L * dim) != 0)
            throw new InvalidDataException($"{path}: first record length {dim} does not divide the file size {bytes.Length}.");
        int count = (int)(bytes.Length / (4 + 4L * dim));
        var payload = new byte[(long)count * dim * 4];
        for (int i = 0; i < count; i++)
        {
            long offset = i * (4 + 4L * dim);
            int recordDim = BitConverter.ToInt32(bytes, (int)offset);
            if (recordDim != dim) throw new InvalidDataException($"{path}: record {i} has length {recordDim}, expected {dim}.");
            Buffer.BlockCopy(bytes, (int)offset + 4, payload, (int)((long)i * dim * 4), dim * 4);
        }
        return (payload, count, dim);
    }

    public static void WriteFvecs(string path, float[] data, int dim) => WriteRecords(path, data.AsSpan(), dim);

    public static void WriteIvecs(string path, int[] data, int dim) => WriteRecords(path, data.AsSpan(), dim);

    private static void WriteRecords<T>(string path, ReadOnlySpan<T> data, int dim) where T : unmanaged
    {
        using var writer = new BinaryWriter(new BufferedStream(File.Create(path), 1 << 20));
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data);
        int recordBytes = dim * 4;
        for (int offset = 0; offset < bytes.Length; offset += recordBytes)
        {
            writer.Write(dim);
            writer.Write(bytes.Slice(offset, recordBytes));
        }
    }
}

/// <summary>A clustered dataset: a Zipf-sized mixture of Gaussian clusters, L2-normalised, with exact truth.</summary>
internal static class ClusteredDataset
{
    public const int Clusters = 1000;

    /// <summary>Writes base.fvecs, query.fvecs and truth.ivecs (exact top-<paramref name="truthK"/> by inner product) into <paramref name="folder"/>.</summary>
    public static void Generate(string folder, int n, int queries, int dim, int truthK, int seed, int threads)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        var centers = new float[Clusters * dim];
        for (int c = 0; c < Clusters; c++)
        {
            var center = centers.AsSpan(c * dim, dim);
            for (int j = 0; j < dim; j++) center[j] = Gaussian(random);
            VectorMath.NormalizeInPlace(center);
        }
        // Zipf (s = 1) cluster sizes: cumulative weights for sampling a cluster.
        var cumulative = new double[Clusters];
        double total = 0;
        for (int c = 0; c < Clusters; c++) cumulative[c] = total += 1.0 / (c + 1);
        float spread = 0.6f / MathF.Sqrt(dim);
        float[] Sample(int count)
        {
            var data = new float[count * dim];
            for (int i = 0; i < count; i++)
            {
                int c = Array.BinarySearch(cumulative, random.NextDouble() * total);
                if (c < 0) c = Math.Min(~c, Clusters - 1);
                var row = data.AsSpan(i * dim, dim);
                var center = centers.AsSpan(c * dim, dim);
                for (int j = 0; j < dim; j++) row[j] = center[j] + spread * Gaussian(random);
                VectorMath.NormalizeInPlace(row);
            }
            return data;
        }
        var baseVectors = Sample(n);
        var queryVectors = Sample(queries);
        var truth = new int[queries * truthK];
        int done = 0;
        Parallel.For(0, queries, new ParallelOptions { MaxDegreeOfParallelism = threads }, q =>
        {
            var query = queryVectors.AsSpan(q * dim, dim);
            var bestScore = new float[truthK];
            var bestId = new int[truthK];
            Array.Fill(bestScore, float.NegativeInfinity);
            for (int i = 0; i < n; i++)
            {
                float score = TensorPrimitives.Dot(query, baseVectors.AsSpan(i * dim, dim));
                if (score <= bestScore[truthK - 1]) continue;
                int p = truthK - 1;
                while (p > 0 && bestScore[p - 1] < score) { bestScore[p] = bestScore[p - 1]; bestId[p] = bestId[p - 1]; p--; }
                bestScore[p] = score;
                bestId[p] = i;
            }
            bestId.CopyTo(truth.AsSpan(q * truthK, truthK));
            int now = Interlocked.Increment(ref done);
            if (now % Math.Max(1, queries / 10) == 0) Console.WriteLine($"  truth {100L * now / queries}%");
        });
        AnnFiles.WriteFvecs(Path.Combine(folder, "base.fvecs"), baseVectors, dim);
        AnnFiles.WriteFvecs(Path.Combine(folder, "query.fvecs"), queryVectors, dim);
        AnnFiles.WriteIvecs(Path.Combine(folder, "truth.ivecs"), truth, truthK);
    }

    private static float Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
