using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Training;

public class EmaTests
{
    public EmaTests() => TorchRuntime.EnsureLoaded(threads: 1);

    /// <summary>One scalar parameter and one buffer.</summary>
    sealed class Toy : nn.Module<Tensor, Tensor>
    {
        public readonly Parameter w;
        public readonly Tensor counter;

        public Toy() : base(nameof(Toy))
        {
            w = new Parameter(tensor(new[] { 0f }));
            counter = tensor(new[] { 0f });
            register_buffer("counter", counter);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => x * w;

        public void Set(float weight, float count)
        {
            using var _ = no_grad();
            w.fill_(weight);
            counter.fill_(count);
        }
    }

    [Fact]
    public void AverageFollowsTheWarmedUpRecurrence()
    {
        using var toy = new Toy();
        toy.Set(0f, 0f);
        using var ema = new Ema(toy, 0.3);
        double expected = 0;
        double[] decays = [2.0 / 11, 3.0 / 12, 0.3, 0.3];                        // min(β, (1 + k)/(10 + k)), k = 1..4
        float[] values = [1f, 2f, 3f, -1f];
        for (int k = 0; k < values.Length; k++)
        {
            toy.Set(values[k], values[k] * 10);
            ema.Update();
            Assert.Equal(decays[k], Ema.DecayAt(0.3, k + 1), 12);
            expected = decays[k] * expected + (1 - decays[k]) * values[k];         // θ̄ ← d_k θ̄ + (1 − d_k) θ
        }
        Assert.Equal(4, ema.Updates);
        Assert.Equal(expected, ema.Shadow("w").item<float>(), 5);
        Assert.Equal(-10f, ema.Shadow("counter").item<float>());                // buffers are copied, not averaged
    }

    [Fact]
    public void The_warm_up_forgets_the_initialisation_at_every_budget()
    {
        // The initialisation's share after K updates is ∏ d_k. A plain β = 0.9999 average keeps 0.9999^K of it:
        // 38 % after the cpu profile's 9,750 steps. The warmed-up one keeps almost nothing after a few hundred.
        double Share(long steps) { double p = 1; for (long k = 1; k <= steps; k++) p *= Ema.DecayAt(0.9999, k); return p; }
        Assert.InRange(Math.Pow(0.9999, 9750), 0.37, 0.38);
        Assert.True(Share(100) < 1e-9, $"{Share(100)}");
        Assert.True(Share(9750) < 1e-20);
        Assert.Equal(0.9999, Ema.DecayAt(0.9999, 1_000_000), 12);             // β takes over after ~90,000 steps
        Assert.Equal(1 - 9.0 / 1010, Ema.DecayAt(0.9999, 1000), 12);           // before: an average over ~k/9 steps

        using var toy = new Toy();
        toy.Set(-5f, 0f);                                                        // the "random" initial weight
        using var ema = new Ema(toy, 0.9999);
        toy.Set(2f, 0f);                                                         // what training settled on
        for (int k = 0; k < 200; k++) ema.Update();
        Assert.Equal(2f, ema.Shadow("w").item<float>(), 5);
    }

    [Fact]
    public void AveragingOnTheReplicaThreadsGivesTheSameBits()
    {
        using var serialModel = Synthetic.Model(4);
        using var parallelModel = Synthetic.Model(4);
        using var serial = new Ema(serialModel, 0.99);
        using var sharded = new Ema(parallelModel, 0.99);
        using var replicas = new DataParallel(parallelModel.parameters(), replicas: 2);
        for (int step = 0; step < 3; step++)
        {
            foreach (var model in new[] { serialModel, parallelModel })
                using (NewDisposeScope())
                using (no_grad())
                using (var g = Seeding.ForStep(2, step))
                    foreach (var p in model.parameters()) p.add_(randn(p.shape, generator: g));
            serial.Update();
            sharded.Update(replicas);
        }
        foreach (var (name, _) in serialModel.named_parameters())
            Assert.True(Synthetic.Same(serial.Shadow(name), sharded.Shadow(name)), name);
    }

    [Fact]
    public void SwapInUsesTheAverageAndRestoresExactly()
    {
        using var toy = new Toy();
        toy.Set(1f, 0f);
        using var ema = new Ema(toy, 0.5);
        toy.Set(3f, 7f);
        ema.Update();                                                             // shadow w = (2/11)·1 + (9/11)·3
        toy.Set(5f, 9f);                                                          // live weights moved on
        using (ema.SwapIn())
        {
            Assert.Equal(29f / 11, toy.w.item<float>(), 5);
            Assert.Equal(7f, toy.counter.item<float>());
        }
        Assert.Equal(5f, toy.w.item<float>());
        Assert.Equal(9f, toy.counter.item<float>());
    }

    [Fact]
    public void SaveLoadRoundTrips()
    {
        using var toy = new Toy();
        toy.Set(4f, 1f);
        using var ema = new Ema(toy, 0.75);
        toy.Set(8f, 2f);
        ema.Update();                                                             // (2/11)·4 + (9/11)·8 = 80/11
        var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) ema.Save(w);

        using var other = new Ema(toy, 0.75);                                     // starts at the live 8
        buffer.Position = 0;
        using (var r = new BinaryReader(buffer)) other.Load(r);
        Assert.Equal(80f / 11, other.Shadow("w").item<float>(), 5);
        Assert.Equal(2f, other.Shadow("counter").item<float>());
        Assert.Equal(1, other.Updates);                                         // a resumed run continues the warm-up where it was

        using var wrongDecay = new Ema(toy, 0.5);
        buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) ema.Save(w);
        buffer.Position = 0;
        using var r2 = new BinaryReader(buffer);
        Assert.Throws<InvalidDataException>(() => wrongDecay.Load(r2));
    }

    [Fact]
    public void RejectsDecayOutsideUnitInterval()
    {
        using var toy = new Toy();
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ema(toy, 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ema(toy, -0.1));
    }
}
