using LDae.Training;
using Xunit;

namespace LDae.Tests.Training;

public class LearningRateScheduleTests
{
    static readonly LearningRateSchedule S = new(PeakLr: 1.0, MinLr: 0.1, WarmupSteps: 10, TotalSteps: 110);

    [Fact]
    public void WarmupRisesLinearlyToThePeak()
    {
        Assert.Equal(0.1, S.At(0), 12);   // (0 + 1) / 10
        Assert.Equal(0.5, S.At(4), 12);
        Assert.Equal(1.0, S.At(9), 12);   // last warm-up step reaches the peak
        Assert.Equal(1.0, S.At(10), 12);  // first decay step is the peak
    }

    [Fact]
    public void CosineDecayHitsMidpointAndFloor()
    {
        Assert.Equal(0.55, S.At(60), 12);                                        // half-way: (peak + min) / 2
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), S.At(35), 12);
        Assert.Equal(0.1, S.At(110), 12);                                        // end: min
        Assert.Equal(0.1, S.At(500), 12);                                        // beyond: stays at min
        Assert.True(S.At(109) > 0.1 && S.At(109) < 0.101);
    }

    [Fact]
    public void DecayIsMonotone()
    {
        for (long s = 10; s < 110; s++) Assert.True(S.At(s + 1) <= S.At(s), $"lr rose at step {s}");
    }

    [Fact]
    public void WithoutWarmupStartsAtPeak()
    {
        var s = new LearningRateSchedule(2.0, 0.0, 0, 100);
        Assert.Equal(2.0, s.At(0), 12);
        Assert.Equal(1.0, s.At(50), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.At(-1));
    }

    [Fact]
    public void OptionsResolveScalingEpochsAndWarmup()
    {
        var o = new TrainOptions { Epochs = 4, BatchSize = 512, BaseLr = 1e-3, WarmupEpochs = 0.5, MinLr = 1e-6 };
        var s = o.Schedule(stepsPerEpoch: 10);
        Assert.Equal(2e-3, s.PeakLr, 15);  // 1e-3 × 512 / 256
        Assert.Equal(5, s.WarmupSteps);
        Assert.Equal(40, s.TotalSteps);
        Assert.Equal(1e-6, s.MinLr);
        Assert.Equal(1e-3, (o with { LrScaling = LrScaling.None }).PeakLr, 15);
        Assert.Throws<ArgumentException>(() => (o with { TotalSteps = 5 }).Schedule(10));           // both lengths set
        Assert.Throws<ArgumentException>(() => (o with { WarmupSteps = 3 }).Schedule(10));          // both warm-ups set
        Assert.Equal(7, (o with { Epochs = null, TotalSteps = 7 }).Schedule(10).TotalSteps);
    }
}
