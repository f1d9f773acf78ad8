using LDae.Method.Baselines;
using LDae.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using Xunit;
using LDae.Tests.Method;

namespace LDae.Tests.Method.Baselines;

public class MoCoV3Tests
{
    const int Size = 16, P = 4;

    readonly bool loaded = Load();
    static bool Load() { TorchRuntime.EnsureLoaded(threads: 1); return true; }

    static MoCoV3 Tiny(long seed = 0)
    {
        using var g = new Generator((ulong)seed, CPU);
        return new MoCoV3(Size, 1, P, width: 24, encoderDepth: 2, heads: 2, mlpRatio: 2, new MoCoV3Options(), g);
    }

    /// <summary>ctr(q, k) by hand: cosine logits / τ, cross-entropy with the diagonal as positives, × 2τ.</summary>
    static double HandInfoNce(double[][] q, double[][] k, double tau)
    {
        static double[] Unit(double[] v) { double n = Math.Sqrt(v.Sum(x => x * x)); return v.Select(x => x / n).ToArray(); }
        var qn = q.Select(Unit).ToArray();
        var kn = k.Select(Unit).ToArray();
        double total = 0;
        for (int i = 0; i < q.Length; i++)
        {
            var logits = kn.Select(kj => qn[i].Zip(kj, (a, b) => a * b).Sum() / tau).ToArray();
            total += -logits[i] + Math.Log(logits.Sum(Math.Exp));
        }
        return total / q.Length * 2 * tau;
    }

    static Tensor T(double[][] rows) => tensor(rows.SelectMany(r => r).Select(x => (float)x).ToArray(), [rows.Length, rows[0].Length]);

    [Fact]
    public void InfoNce_matches_a_hand_computation()
    {
        double[][] q = [[1, 0, 0], [0.5, 1, 0], [0, -1, 2]];
        double[][] k = [[0.9, 0.1, 0], [0, 1, 0.3], [1, 1, 1]];
        double expected = HandInfoNce(q, k, 0.2);
        Assert.Equal(expected, MoCoV3.InfoNce(T(q), T(k), 0.2).item<float>(), 4);
        Assert.NotEqual(expected, MoCoV3.InfoNce(T(q), T(k), 0.5).item<float>(), 2);   // τ matters
    }

    [Fact]
    public void The_loss_is_symmetric_in_the_two_views()
    {
        double[][] q1 = [[1, 0], [0, 1], [1, 1]], q2 = [[0.5, 1], [1, -1], [0, 1]];
        double[][] k1 = [[1, 0.2], [0.1, 1], [1, 0.8]], k2 = [[0.3, 1], [1, -0.7], [0.2, 1]];
        double expected = HandInfoNce(q1, k2, 0.2) + HandInfoNce(q2, k1, 0.2);
        var loss = MoCoV3.SymmetricLoss(T(q1), T(q2), T(k1), T(k2), 0.2).item<float>();
        var swapped = MoCoV3.SymmetricLoss(T(q2), T(q1), T(k2), T(k1), 0.2).item<float>();
        Assert.Equal(expected, loss, 4);
        Assert.Equal(loss, swapped, 5);
        // each query is contrasted with the other view's key: pairing q1 with k1 gives another number
        Assert.NotEqual(expected, HandInfoNce(q1, k1, 0.2) + HandInfoNce(q2, k2, 0.2), 2);
    }

    [Fact]
    public void Momentum_update_moves_the_momentum_branch_towards_the_online_one()
    {
        using var moco = Tiny();
        var named = moco.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var onlineNames = named.Keys.Where(n => n.StartsWith("encoder.") || n.StartsWith("projector.")).ToList();
        Assert.NotEmpty(onlineNames);
        static string MomentumName(string n) => n.StartsWith("encoder.") ? "momentumEncoder." + n[8..] : "momentumProjector." + n[10..];
        // it starts as a copy and is not trained by gradients
        foreach (var n in onlineNames)
        {
            Assert.True(TensorAssert.Identical(named[n], named[MomentumName(n)]), n);
            Assert.False(named[MomentumName(n)].requires_grad);
        }
        using (no_grad())
            foreach (var n in onlineNames) named[n].add_(1.0);
        var before = onlineNames.ToDictionary(n => n, n => named[MomentumName(n)].clone());
        moco.UpdateMomentum(0.9);
        foreach (var n in onlineNames)
        {
            var expected = before[n] * 0.9 + named[n] * 0.1;
            Assert.True(named[MomentumName(n)].allclose(expected, rtol: 1e-5, atol: 1e-6), n);
        }
    }

    [Fact]
    public void Momentum_follows_the_cosine_schedule_from_0_99_to_1()
    {
        var o = new MoCoV3Options();
        Assert.Equal(0.99, o.MomentumAt(0, 100), 12);
        Assert.Equal(0.995, o.MomentumAt(50, 100), 12);
        Assert.Equal(1.0, o.MomentumAt(100, 100), 12);
        Assert.True(o.MomentumAt(25, 100) < o.MomentumAt(75, 100));
    }

    [Fact]
    public void The_patch_projection_is_frozen_at_its_random_initialisation()
    {
        using var moco = Tiny();
        Assert.All(moco.Encoder.PatchEmbedding.parameters(), p => Assert.False(p.requires_grad));
        var trainable = moco.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Contains(trainable, n => n.StartsWith("predictor."));
        Assert.DoesNotContain(trainable, n => n.StartsWith("momentum"));
    }

    [Fact]
    public void Two_views_differ_and_are_reproducible_per_seed()
    {
        var images = SyntheticShapes.Make(4, 3, Size, seed: 2);
        (Tensor, Tensor) Views(ulong seed) { using var g = new Generator(seed, CPU); return MoCoV3Views.Draw(images, g); }
        var (a1, a2) = Views(5);
        var (b1, _) = Views(5);
        Assert.True(TensorAssert.Identical(a1, b1));
        Assert.False(TensorAssert.Identical(a1, a2));
        Assert.Equal(images.shape, a1.shape);
        Assert.True(a1.min().item<float>() >= -1 && a1.max().item<float>() <= 1);
    }

    [Fact]
    public void A_small_run_learns()
    {
        var (first, last) = BaselineTraining.LossBeforeAndAfter(Tiny(), steps: 60, lr: 2e-3);
        Assert.True(last < 0.9 * first, $"MoCo v3 loss {first:0.000} → {last:0.000}");
    }
}
