using LDae.Training;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Training;

/// <summary>
/// The optimizer tail of a step split over the replicas' threads (<see cref="LDae.Training.AdamW"/>,
/// <see cref="GradientClipping"/>, <see cref="DataParallel.ForEachParameter"/>) against TorchSharp's own AdamW and
/// clip_grad_norm_: the same bits, one replica or two.
/// </summary>
public sealed class ParameterUpdateTests
{
    static readonly TrainOptions Options = new() { BaseLr = 3e-3, LrScaling = LrScaling.None, BatchSize = 256, WeightDecay = 0.05, Beta1 = 0.9, Beta2 = 0.95, AdamEps = 1e-8 };

    static Parameter[] Trainable(nn.Module m) => m.parameters().Where(p => p.requires_grad).ToArray();

    /// <summary>Gives every parameter a gradient drawn from (seed, step), scaled so the total norm is about <paramref name="scale"/>·√n.</summary>
    static void SetGradients(nn.Module model, long step, double scale = 1.0)
    {
        using var g = Seeding.ForStep(11, step);
        foreach (var p in Trainable(model))
            using (var grad = randn(p.shape, generator: g).mul_(scale)) p.grad = grad.clone();
    }

    static TorchSharp.Modules.AdamW TorchSharpAdamW(nn.Module model)
    {
        var (decay, noDecay) = WeightDecayGroups.Split(model, []);
        var o = Options;
        return optim.AdamW(
            [new TorchSharp.Modules.AdamW.ParamGroup(decay, o.PeakLr, o.Beta1, o.Beta2, o.AdamEps, o.WeightDecay),
             new TorchSharp.Modules.AdamW.ParamGroup(noDecay, o.PeakLr, o.Beta1, o.Beta2, o.AdamEps, 0.0)],
            o.PeakLr, o.Beta1, o.Beta2, o.AdamEps, o.WeightDecay);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void AdamWStepsAsTorchSharpsBitForBit(int replicas)
    {
        using var expected = Synthetic.Model(5);
        using var actual = Synthetic.Model(5);
        using var reference = TorchSharpAdamW(expected);
        using var parallel = new DataParallel(Trainable(actual), replicas);
        using var optimizer = WeightDecayGroups.AdamW(actual, Options, parallel);
        for (int step = 0; step < 4; step++)
        {
            double lr = Options.PeakLr * (step + 1) / 4;   // a changing learning rate, as under the schedule
            foreach (var group in reference.ParamGroups) group.LearningRate = lr;
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
            SetGradients(expected, step);
            SetGradients(actual, step);
            using (NewDisposeScope()) reference.step();
            optimizer.step();
        }
        Assert.True(Synthetic.SameParameters(expected, actual));
        using var initial = Synthetic.Model(5);
        Assert.False(Synthetic.SameParameters(expected, initial), "the steps must have moved the weights");
    }

    [Fact]
    public void AdamWContinuesFromTorchSharpsAdamWState()
    {
        // expected: TorchSharp's AdamW for two steps; actual: TorchSharp's for one, its state file, then ours
        using var expected = Synthetic.Model(5);
        using var actual = Synthetic.Model(5);
        using var reference = TorchSharpAdamW(expected);
        using var first = TorchSharpAdamW(actual);
        SetGradients(expected, 0);
        SetGradients(actual, 0);
        using (NewDisposeScope()) { reference.step(); first.step(); }

        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) first.save_state_dict(w);
        stream.Position = 0;
        using var optimizer = WeightDecayGroups.AdamW(actual, Options);
        using (var r = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.load_state_dict(r);
        Assert.Equal(stream.Length, stream.Position);

        SetGradients(expected, 1);
        SetGradients(actual, 1);
        using (NewDisposeScope()) reference.step();
        optimizer.step();
        Assert.True(Synthetic.SameParameters(expected, actual));
    }

    [Theory]
    [InlineData(1, 1.0)]     // ‖g‖ ≈ √n ≫ 1: clipped
    [InlineData(2, 1.0)]
    [InlineData(2, 1e-4)]    // ‖g‖ below the limit: scaled by exactly 1
    public void ClipGradNormIsTorchSharpsBitForBit(int replicas, double gradientScale)
    {
        using var expected = Synthetic.Model(5);
        using var actual = Synthetic.Model(5);
        SetGradients(expected, 3, gradientScale);
        SetGradients(actual, 3, gradientScale);
        double expectedNorm = nn.utils.clip_grad_norm_(Trainable(expected), 1.0);
        using var parallel = new DataParallel(Trainable(actual), replicas);
        double actualNorm = GradientClipping.ClipGradNorm(Trainable(actual), 1.0, parallel);

        Assert.Equal(expectedNorm, actualNorm);
        var e = Trainable(expected);
        var a = Trainable(actual);
        for (int i = 0; i < e.Length; i++) Assert.True(Synthetic.Same(e[i].grad!, a[i].grad!), $"gradient {i} differs");
    }

    [Fact]
    public void ClipGradNormSkipsParametersWithoutGradientAndIsZeroWithNone()
    {
        using var model = Synthetic.Model(5);
        var parameters = Trainable(model);
        foreach (var p in parameters) p.grad = null;
        Assert.Equal(0.0, GradientClipping.ClipGradNorm(parameters, 1.0));

        using (var g = full(parameters[0].shape, 2.0f)) parameters[0].grad = g.clone();
        double norm = GradientClipping.ClipGradNorm(parameters, 1.0);
        Assert.Equal(2.0 * Math.Sqrt(parameters[0].numel()), norm, 4);
        Assert.Equal(1.0, parameters[0].grad!.norm(2.0f).item<float>(), 4);
        Assert.All(parameters.Skip(1), p => Assert.Null(p.grad));
    }

    [Fact]
    public void ForEachParameterVisitsEveryParameterOnceOnTheReplicaThreads()
    {
        using var model = Synthetic.Model(5);
        var parameters = Trainable(model);
        using var parallel = new DataParallel(parameters, replicas: 2);
        var visits = new int[parameters.Length];
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        parallel.ForEachParameter(parameters, i =>
        {
            Interlocked.Increment(ref visits[i]);
            threads[Environment.CurrentManagedThreadId] = true;
        });
        Assert.All(visits, v => Assert.Equal(1, v));
        Assert.Equal(2, threads.Count);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, threads.Keys);
    }

    [Fact]
    public void AFailingUpdateIsReportedAndTheWorkersSurvive()
    {
        using var model = Synthetic.Model(5);
        var parameters = Trainable(model);
        using var parallel = new DataParallel(parameters, replicas: 2);
        var error = Assert.Throws<InvalidOperationException>(() =>
            parallel.ForEachParameter(parameters, i => { if (i == parameters.Length - 1) throw new ArithmeticException("last broke"); }));
        Assert.Contains("last broke", error.Message);
        int count = 0;
        parallel.ForEachParameter(parameters, _ => Interlocked.Increment(ref count));
        Assert.Equal(parameters.Length, count);
    }

    [Fact]
    public void SharesAreContiguousAndBalancedBySize()
    {
        Assert.Equal([(0, 2), (2, 2)], DataParallel.Shares([10, 10, 10, 10], 2));
        Assert.Equal([(0, 1), (1, 3)], DataParallel.Shares([30, 10, 10, 10], 2));
        Assert.Equal([(0, 3)], DataParallel.Shares([1, 2, 3], 1));
        Assert.Equal([(0, 1), (1, 0)], DataParallel.Shares([5], 2));
        var shares = DataParallel.Shares([9216, 96, 36864, 384, 36864, 96, 288, 27648, 96, 96], 2);
        Assert.Equal(10, shares.Sum(s => s.Count));
        Assert.Equal(shares[0].First + shares[0].Count, shares[1].First);
    }
}
