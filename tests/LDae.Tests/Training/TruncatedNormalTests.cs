using LDae.Runtime;
using LDae.Training;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Training;

public class TruncatedNormalTests
{
    public TruncatedNormalTests() => TorchRuntime.EnsureLoaded(threads: 1);

    [Fact]
    public void DrawsATruncatedNormalFromTheGenerator()
    {
        using var t = empty(20000);
        using (var g = Seeding.Generator(1, "tn")) TruncatedNormal.Fill_(t, mean: 0, std: 1, a: -1, b: 1, generator: g);
        Assert.True(t.min().item<float>() >= -1 && t.max().item<float>() <= 1);
        // Var of N(0,1) truncated to [−1, 1] is 1 − 2φ(1)/(Φ(1) − Φ(−1)) ≈ 0.2911.
        Assert.InRange(t.var().item<float>(), 0.28, 0.30);
        Assert.InRange(t.mean().item<float>(), -0.02, 0.02);

        using var again = empty(20000);
        using (var g = Seeding.Generator(1, "tn")) TruncatedNormal.Fill_(again, 0, 1, -1, 1, g);
        Assert.True(Synthetic.Same(t, again));
    }

    [Fact]
    public void WideBoundsGiveThePlainNormal()
    {
        using var t = empty(20000);
        using var g = Seeding.Generator(2, "tn");
        TruncatedNormal.Fill_(t, mean: 0.5, std: 0.01, generator: g);   // MAE's ±2 bounds are 200σ away
        Assert.InRange(t.std().item<float>(), 0.0097, 0.0103);
        Assert.InRange(t.mean().item<float>(), 0.4998, 0.5002);
    }
}
