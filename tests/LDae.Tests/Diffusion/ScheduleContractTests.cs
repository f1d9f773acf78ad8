using LDae.Diffusion;
using Xunit;

namespace LDae.Tests.Diffusion;

/// <summary>
/// What every schedule promises beyond its curve: t = 0 is the clean input, T ≥ 1 noisy steps (the one-step schedule
/// included), SNR = γ²/σ² with λ = SNR/(1 + SNR), positive finite noise levels, and errors that name the bad input.
/// </summary>
public class ScheduleContractTests
{
    /// <summary>A schedule given by its tables, to hold the base class to its checks.</summary>
    sealed class Tables(double[] gamma, double[] sigma) : NoiseSchedule(gamma, sigma)
    {
        public override string Name => "tables";
    }

    [Fact]
    public void Every_schedule_takes_a_single_noisy_step_and_refuses_none()
    {
        // one step of DDPM's schedule is β₁ = β_start: γ₁² = 1 − β_start
        var ddpm = new DdpmLinearBeta(1);
        Assert.Equal(1, ddpm.Steps);
        Assert.Equal(1 - 1e-4, ddpm.GammaAt(1) * ddpm.GammaAt(1), 12);
        // one step of the linear γ² schedule goes straight to pure noise
        var linear = new LinearGammaSquared(1);
        Assert.Equal((1, 0.0, 1.0), (linear.Steps, linear.GammaAt(1), linear.SigmaAt(1)));
        var noScaling = new NoInputScaling(1);
        Assert.Equal((1, Math.Sqrt(2)), (noScaling.Steps, noScaling.SigmaAt(1)));
        var single = new SingleNoiseLevel(0.5, 1);
        Assert.Equal((1, 0.5), (single.Steps, single.SigmaAt(1)));

        Assert.Throws<ArgumentOutOfRangeException>(() => new DdpmLinearBeta(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearGammaSquared(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoInputScaling(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SingleNoiseLevel(0.5, 0));
    }

    [Theory]
    [InlineData(NoiseSchedules.DdpmLinearBetaName)]
    [InlineData(NoiseSchedules.LinearGammaSquaredName)]
    public void The_signal_to_noise_ratio_is_gamma_squared_over_sigma_squared_and_lambda_is_snr_over_one_plus_snr(string name)
    {
        var s = NoiseSchedules.Create(name);
        Assert.Equal(double.PositiveInfinity, s.SignalToNoiseAt(0));
        foreach (int t in new[] { 1, 10, 500, 999 })
        {
            double g = s.GammaAt(t), sigma = s.SigmaAt(t);
            double snr = s.SignalToNoiseAt(t);
            Assert.Equal(g * g / (sigma * sigma), snr, 9);
            Assert.Equal(snr / (1 + snr), s.SignalFractionAt(t), 12);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void A_noise_level_must_be_positive_and_finite(double sigma)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoInputScaling(sigma));
        if (!double.IsInfinity(sigma)) Assert.Throws<ArgumentOutOfRangeException>(() => new SingleNoiseLevel(sigma));
    }

    [Fact]
    public void Names_say_the_schedule_and_its_level()
    {
        Assert.Equal("no-input-scaling", new NoInputScaling().Name);
        var single = new SingleNoiseLevel(0.25);
        Assert.Equal(0.25, single.Level);
        Assert.Equal("single-noise-level(0.25)", single.Name);
    }

    [Fact]
    public void The_tables_need_a_clean_step_zero_and_at_least_one_noisy_step_of_equal_length()
    {
        Assert.Equal(1, new Tables([1, 0.5], [0, 0.5]).Steps);
        Assert.Throws<ArgumentException>(() => new Tables([1], [0]));                  // no noisy step
        Assert.Throws<ArgumentException>(() => new Tables([1, 0.5, 0.1], [0, 0.5]));  // lengths differ
        Assert.Throws<ArgumentException>(() => new Tables([0.9, 0.5], [0, 0.5]));     // γ₀ ≠ 1
        Assert.Throws<ArgumentException>(() => new Tables([1, 0.5], [0.1, 0.5]));     // σ₀ ≠ 0
    }

    [Fact]
    public void Errors_name_what_was_wrong()
    {
        var unknown = Assert.Throws<ArgumentException>(() => NoiseSchedules.Create("cosine"));
        Assert.Contains("'cosine'", unknown.Message);
        Assert.Contains(NoiseSchedules.LinearGammaSquaredName, unknown.Message);
        var scaled = Assert.Throws<ArgumentException>(() => NoiseSchedules.Create(NoiseSchedules.LinearGammaSquaredName, inputScaling: true, singleSigma: 0.5));
        Assert.Contains("without input scaling", scaled.Message);
        var step = Assert.Throws<ArgumentOutOfRangeException>(() => new LinearGammaSquared(10).SigmaAt(11));
        Assert.Contains("0..10", step.Message);
        Assert.Contains("T + 1", Assert.Throws<ArgumentException>(() => new Tables([1], [0])).Message);
        Assert.Contains("clean input", Assert.Throws<ArgumentException>(() => new Tables([0.9, 0.5], [0, 0.5])).Message);
    }
}
