using System.Buffers;
using System.Numerics.Tensors;
using OrleansReco.Core.Data;

namespace OrleansReco.Core.Evaluation.Baselines;

/// <summary>
/// EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): an item × item linear model with a
/// zero diagonal, fitted in closed form on binarised interactions X:
/// <c>P = (XᵀX + λI)⁻¹</c>, <c>B = I − P·diag(1/diag(P))</c>, i.e. <c>B[i,j] = −P[i,j] / P[j,j]</c> for i ≠ j.
/// A user's scores are <c>x·B</c>, the sum of the rows of B for the distinct items in the history.
/// The inverse goes through a Cholesky factorisation in double precision (see <see cref="SymmetricInverse"/>);
/// memory is two dense n × n double matrices while fitting, so the catalog is capped at <see cref="MaxItems"/>.
/// </summary>
public sealed class Ease(double lambda = 500) : IRecommender
{
    /// <summary>Largest catalog EASE will fit (two 20,000² double matrices are 6.4 GB).</summary>
    public const int MaxItems = 20_000;

    private ItemIndex? _index;
    private float[] _weights = []; // B, row-major n × n

    public string Name => "EASE";

    public double Lambda { get; } = lambda > 0 ? lambda : throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be positive.");

    public void Fit(InteractionDataset train, IReadOnlyList<string> catalog)
    {
        ArgumentNullException.ThrowIfNull(train);
        var index = new ItemIndex(catalog);
        int n = index.Count;
        if (n > MaxItems)
            throw new ArgumentException($"EASE keeps dense {n} × {n} matrices; catalogs above {MaxItems} items are not supported.", nameof(catalog));
        var matrix = InteractionMatrix.Build(train.Interactions, index);
        var gram = new double[n * n];
        for (int u = 0; u < matrix.UserCount; u++)
        {
            var row = matrix.Row(u);
            for (int a = 0; a < row.Length; a++)
            {
                int offset = row[a] * n;
                for (int b = a; b < row.Length; b++) gram[offset + row[b]] += 1;
            }
        }
        for (int i = 0; i < n; i++)
        {
            gram[i * n + i] += Lambda;
            for (int j = 0; j < i; j++) gram[i * n + j] = gram[j * n + i]; // items ascending: only j ≥ i filled above
        }
        var p = SymmetricInverse(gram, n);
        var weights = new float[n * n];
        Parallel.For(0, n, i =>
        {
            for (int j = 0; j < n; j++)
                weights[i * n + j] = i == j ? 0f : (float)(-p[i * n + j] / p[j * n + j]);
        });
        _weights = weights;
        _index = index;
    }

    public void Score(string userId, IReadOnlyList<Interaction> history, Span<float> scores)
    {
        var index = _index ?? throw new InvalidOperationException("EASE: call Fit before Score.");
        int n = index.Count;
        if (scores.Length != n)
            throw new ArgumentException($"Scores span has {scores.Length} slots for a catalog of {n}.", nameof(scores));
        scores.Clear();
        var distinct = index.RentDistinct(history, out int count);
        for (int h = 0; h < count; h++)
            TensorPrimitives.Add(scores, _weights.AsSpan(distinct[h] * n, n), scores);
        ArrayPool<int>.Shared.Return(distinct);
    }

    /// <summary>
    /// Inverse of a symmetric positive-definite n × n matrix (row-major), overwriting <paramref name="a"/> and
    /// returning it. Steps: Cholesky <c>A = L Lᵀ</c> (lower triangle of <paramref name="a"/>), then
    /// <c>M = (L⁻¹)ᵀ</c> (upper triangular, one row per column of L⁻¹), then <c>A⁻¹ = M Mᵀ</c>. Every inner loop
    /// is a dot product over contiguous row segments; columns of each step run in parallel. About n³ multiply-adds.
    /// </summary>
    /// <exception cref="ArgumentException">The matrix is not positive definite.</exception>
    internal static double[] SymmetricInverse(double[] a, int n)
    {
        if (a.Length != n * n) throw new ArgumentException($"Expected {n}×{n} = {n * n} values, got {a.Length}.", nameof(a));
        // 1. Cholesky, column by column: L[j,j] = sqrt(A[j,j] − L[j,:j]·L[j,:j]); L[i,j] = (A[i,j] − L[i,:j]·L[j,:j]) / L[j,j].
        for (int j = 0; j < n; j++)
        {
            var rowJ = a.AsSpan(j * n, j);
            double d = a[j * n + j] - TensorPrimitives.Dot<double>(rowJ, rowJ);
            if (!(d > 0)) throw new ArgumentException($"Matrix is not positive definite (pivot {j} is {d}).", nameof(a));
            double diag = Math.Sqrt(d);
            a[j * n + j] = diag;
            int jj = j;
            ForRange(j + 1, n, i =>
            {
                a[i * n + jj] = (a[i * n + jj] - TensorPrimitives.Dot<double>(a.AsSpan(i * n, jj), a.AsSpan(jj * n, jj))) / diag;
            });
        }
        // 2. M = (L⁻¹)ᵀ. Column c of L⁻¹ solves L x = e_c: x[c] = 1/L[c,c]; x[i] = −L[i,c..i)·x[c..i) / L[i,i].
        var m = new double[n * n];
        Parallel.For(0, n, c =>
        {
            var x = m.AsSpan(c * n, n);
            x[c] = 1.0 / a[c * n + c];
            for (int i = c + 1; i < n; i++)
                x[i] = -TensorPrimitives.Dot<double>(a.AsSpan(i * n + c, i - c), x.Slice(c, i - c)) / a[i * n + i];
        });
        // 3. A⁻¹[i,j] = Σ_k L⁻¹[k,i] L⁻¹[k,j] = M[i,k≥max(i,j)]·M[j,k≥max(i,j)].
        Parallel.For(0, n, i =>
        {
            for (int j = i; j < n; j++)
            {
                double v = TensorPrimitives.Dot<double>(m.AsSpan(i * n + j, n - j), m.AsSpan(j * n + j, n - j));
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        });
        return a;
    }

    private static void ForRange(int from, int to, Action<int> body)
    {
        if (to - from < 256)
        {
            for (int i = from; i < to; i++) body(i);
            return;
        }
        Parallel.For(from, to, body);
    }
}
