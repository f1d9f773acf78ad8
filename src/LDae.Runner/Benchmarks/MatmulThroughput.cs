using System.Diagnostics;
using static TorchSharp.torch;

namespace LDae.Benchmarks;

/// <summary>Achieved GFLOP/s of one matmul shape (FLOPs = 2·m·k·n per product) in one element type, from timed repeats.</summary>
/// <param name="Samples">GFLOP/s of every timed repeat, in order.</param>
public sealed record MatmulMeasurement(long M, long K, long N, IReadOnlyList<double> Samples, ScalarType DType = ScalarType.Float32)
{
    public double Median => Statistics.Median(Samples);
    public double Best => Samples.Max();
    public string Shape => $"{M}×{K} · {K}×{N}";

    /// <summary>Pools the repeats of two measurements of the same shape (e.g. before and after a run).</summary>
    public MatmulMeasurement Concat(MatmulMeasurement other) => (M, K, N, DType) == (other.M, other.K, other.N, other.DType)
        ? this with { Samples = Samples.Concat(other.Samples).ToArray() }
        : throw new ArgumentException($"cannot pool {Shape} {DType} with {other.Shape} {other.DType}");
}

/// <summary>
/// The machine's matmul rate in this process and at the current torch thread count: the yardstick for how well
/// a training step uses the CPU. A large square product (2048²) approaches the BLAS peak; the model's own
/// shapes (a few thousand rows, ~100 columns) show what small products can reach on the same cores.
/// </summary>
public static class MatmulThroughput
{
    /// <summary>Times <paramref name="repeats"/> products (m×k)·(k×n) after one untimed warm-up product.</summary>
    /// <param name="minSeconds">Each sample repeats the product until at least this long has passed, so tiny shapes are not timer noise.</param>
    public static MatmulMeasurement Measure(long m, long k, long n, int repeats = 5, double minSeconds = 0.05, ScalarType dtype = ScalarType.Float32)
    {
        using var operands = new MatmulOperands(m, k, n, dtype);
        return operands.Measure(repeats, minSeconds);
    }

    /// <summary>A square n×n product.</summary>
    public static MatmulMeasurement Square(int n, int repeats = 5, ScalarType dtype = ScalarType.Float32) => Measure(n, n, n, repeats, minSeconds: 0, dtype);
}

/// <summary>
/// The operands of one matmul shape, allocated once: measuring again allocates nothing, so the yardstick can be
/// sampled between timed training steps without moving the RSS being measured.
/// </summary>
public sealed class MatmulOperands : IDisposable
{
    readonly Tensor a, b, c;

    /// <param name="dtype">The operands' element type: float32, or bfloat16 (products accumulate in fp32 inside the
    /// kernel; on CPUs with AVX512_BF16 or AMX they run on its bf16 dot-product instructions).</param>
    public MatmulOperands(long m, long k, long n, ScalarType dtype = ScalarType.Float32)
    {
        if (m <= 0 || k <= 0 || n <= 0) throw new ArgumentOutOfRangeException(nameof(m), "matmul dimensions must be positive");
        (M, K, N, DType) = (m, k, n, dtype);
        using var g = new Generator(0, CPU);
        using (var fa = randn([m, k], generator: g)) a = fa.to_type(dtype).DetachFromDisposeScope();
        using (var fb = randn([k, n], generator: g)) b = fb.to_type(dtype).DetachFromDisposeScope();
        c = empty([m, n], dtype).DetachFromDisposeScope();
    }

    public ScalarType DType { get; }

    public long M { get; }
    public long K { get; }
    public long N { get; }

    /// <summary>Times <paramref name="repeats"/> products after one untimed warm-up product.</summary>
    public MatmulMeasurement Measure(int repeats, double minSeconds = 0)
    {
        if (repeats <= 0) throw new ArgumentOutOfRangeException(nameof(repeats));
        using var _ = no_grad();
        c.addmm_(a, b, beta: 0);                             // warm-up: BLAS packing buffers, thread pool
        double flops = 2.0 * M * K * N;
        var samples = new double[repeats];
        for (int r = 0; r < repeats; r++)
        {
            long count = 0;
            var clock = Stopwatch.StartNew();
            // in place (beta = 0 overwrites c): no allocation in the timed loop
            do { c.addmm_(a, b, beta: 0); count++; } while (clock.Elapsed.TotalSeconds < minSeconds);
            samples[r] = flops * count / clock.Elapsed.TotalSeconds / 1e9;
        }
        return new MatmulMeasurement(M, K, N, samples, DType);
    }

    public void Dispose()
    {
        a.Dispose();
        b.Dispose();
        c.Dispose();
    }
}

static class Statistics
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        if (sorted.Length == 0) return double.NaN;
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }
}
