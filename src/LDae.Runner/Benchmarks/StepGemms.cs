using System.Diagnostics;
using LDae.Models;
using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Benchmarks;

/// <summary>One matrix product of a training step: (M×K)·(K×N), the left operand transposed or the right one, as
/// autograd issues it for a linear layer y = x·Wᵀ; <paramref name="PerStep"/> of them per replica and step.</summary>
public sealed record GemmShape(string Name, long M, long K, long N, bool TransposeLeft, bool TransposeRight, int PerStep)
{
    public double Flops => 2.0 * M * K * N;
}

/// <summary>The step's products timed at their own shapes and thread layout: the rate each reached, and all of them
/// FLOP-weighted (total FLOPs over total time), the rate a step made only of these products would run at.</summary>
/// <param name="ShareOfStepFlops">Their FLOPs as a share of the step's counted training FLOPs.</param>
public sealed record StepGemmMeasurement(IReadOnlyList<(GemmShape Shape, double Gflops)> Shapes, int Replicas, int ThreadsPerReplica, double ShareOfStepFlops)
{
    public double Gflops => Shapes.Sum(s => s.Shape.Flops * s.Shape.PerStep) / Shapes.Sum(s => s.Shape.Flops * s.Shape.PerStep / s.Gflops);

    /// <summary>The shape that ran slowest.</summary>
    public (GemmShape Shape, double Gflops) Slowest => Shapes.MinBy(s => s.Gflops);
}

/// <summary>
/// The yardstick the step itself sets. A 2048² product shows the BLAS peak; a training step's products are narrower
/// (K or N = the width), and each replica runs them on its own threads. Timing the token-wise linear layers' forward
/// and backward products at exactly those shapes — every replica at once on its own threads, outputs preallocated so
/// allocation is not counted — bounds what any step of this model can reach on this machine, however lean the
/// rest of it (attention, norms, activations, optimizer) becomes.
/// </summary>
public static class StepGemms
{
    /// <summary>
    /// The products of every block's qkv, output projection and MLP layers for <paramref name="rowsPerReplica"/> token
    /// rows (a replica's images × tokens): forward x·Wᵀ, input gradient dY·W, weight gradient dYᵀ·x. They are the
    /// bulk of <see cref="BackboneFlops"/>; attention's T×T products, the patch embedding, the adaLN regressions and
    /// the final layer are not among them.
    /// </summary>
    public static IReadOnlyList<GemmShape> Of(BackboneOptions o, long rowsPerReplica)
    {
        int w = o.Width, h = o.MlpHidden;
        var layers = new (string Name, int In, int Out)[] { ("qkv", w, 3 * w), ("proj", w, w), ("fc1", w, h), ("fc2", h, w) };
        var shapes = new List<GemmShape>();
        foreach (var (name, i, @out) in layers)
        {
            shapes.Add(new($"{name} x·Wᵀ", rowsPerReplica, i, @out, false, true, o.Depth));
            shapes.Add(new($"{name} dY·W", rowsPerReplica, @out, i, false, false, o.Depth));
            shapes.Add(new($"{name} dYᵀ·x", @out, rowsPerReplica, i, true, false, o.Depth));
        }
        return shapes;
    }

    /// <summary>
    /// Times every shape on <paramref name="replicas"/> threads at once, each with its own operands and
    /// <paramref name="threadsPerReplica"/> torch threads, for about <paramref name="seconds"/> per shape after a
    /// warm-up product; a shape's rate is the replicas' best rates summed.
    /// </summary>
    /// <param name="dtype">The operands' element type: the step's products run in bfloat16 under train.precision bf16.</param>
    public static StepGemmMeasurement Measure(IReadOnlyList<GemmShape> shapes, int replicas, int threadsPerReplica,
        double stepFlopsPerReplica, double seconds = 0.6, ScalarType dtype = ScalarType.Float32)
    {
        if (replicas < 1 || threadsPerReplica < 1) throw new ArgumentOutOfRangeException(nameof(replicas));
        var results = new List<(GemmShape, double)>();
        foreach (var shape in shapes)
        {
            var rates = new double[replicas];
            var errors = new Exception?[replicas];
            var threads = Enumerable.Range(0, replicas).Select(r => new Thread(() =>
            {
                try
                {
                    set_num_threads(threadsPerReplica);
                    rates[r] = TimeOne(shape, seconds, (ulong)r, dtype);
                }
                catch (Exception e) { errors[r] = e; }
            })
            { IsBackground = true, Name = $"ldae-gemm-{r}" }).ToArray();
            // no collection while one thread is inside libtorch and another allocates, as in a data-parallel step
            using (replicas > 1 ? DataParallel.NoGarbageCollection.UnlessActive() : null)
            {
                foreach (var t in threads) t.Start();
                foreach (var t in threads) t.Join();
            }
            if (errors.FirstOrDefault(e => e is not null) is { } error) throw error;
            results.Add((shape, rates.Sum()));
        }
        double gemmFlops = shapes.Sum(s => s.Flops * s.PerStep);
        return new StepGemmMeasurement(results, replicas, threadsPerReplica, gemmFlops / stepFlopsPerReplica);
    }

    /// <summary>Timed samples per shape; a shape's rate is its best, as the 2048² yardstick's is (on a shared machine
    /// a single sample sometimes runs at half speed, and one slow shape would drag the FLOP-weighted rate).</summary>
    const int Samples = 3;

    /// <summary>Best GFLOP/s of one shape on the calling thread over <see cref="Samples"/> samples sharing
    /// <paramref name="seconds"/>.</summary>
    static double TimeOne(GemmShape s, double seconds, ulong seed, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var g = new Generator(seed, CPU);
        // stored as the autograd operands are: a transposed operand is a view of a row-major tensor
        var left = (s.TransposeLeft ? randn([s.K, s.M], generator: g).to_type(dtype).t() : randn([s.M, s.K], generator: g).to_type(dtype));
        var right = (s.TransposeRight ? randn([s.N, s.K], generator: g).to_type(dtype).t() : randn([s.K, s.N], generator: g).to_type(dtype));
        var output = empty([s.M, s.N], dtype);
        output.addmm_(left, right, beta: 0);
        double best = 0;
        for (int sample = 0; sample < Samples; sample++)
        {
            long count = 0;
            var clock = Stopwatch.StartNew();
            do { output.addmm_(left, right, beta: 0); count++; } while (clock.Elapsed.TotalSeconds < seconds / Samples);
            best = Math.Max(best, s.Flops * count / clock.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }
}
