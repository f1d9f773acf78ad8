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
    public void AverageFollowsTheRecurrence()
    {
        using var toy = new Toy();
        toy.Set(0f, 0f);
        using var ema = new Ema(toy, 0.9);
        double expected = 0;
        foreach (var v in new[] { 1f, 2f, 3f, -1f })
        {
            toy.Set(v, v * 10);
            ema.Update();
            expected = 0.9 * expected + 0.1 * v;   // θ̄ ← d θ̄ + (1 − d) θ
        }
        Assert.Equal(expected, ema.Shadow("w").item<float>(), 5);
        Assert.Equal(0.1 * (0.729 * 1 + 0.81 * 2 + 0.9 * 3 - 1), expected, 12);   // closed form
        Assert.Equal(-10f, ema.Shadow("counter").item<float>());                // buffers are copied, not averaged
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
        ema.Update();                                                             // shadow w = 2
        toy.Set(5f, 9f);                                                          // live weights moved on
        using (ema.SwapIn())
        {
            Assert.Equal(2f, toy.w.item<float>());
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
        ema.Update();                                                             // 0.75·4 + 0.25·8 = 5
        var buffer = new MemoryStream();
        using (var w = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) ema.Save(w);

        using var other = new Ema(toy, 0.75);                                     // starts at the live 8
        buffer.Position = 0;
        using (var r = new BinaryReader(buffer)) other.Load(r);
        Assert.Equal(5f, other.Shadow("w").item<float>());
        Assert.Equal(2f, other.Shadow("counter").item<float>());

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
