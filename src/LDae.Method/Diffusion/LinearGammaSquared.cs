namespace LDae.Diffusion;

/// <summary>
/// The paper's replacement schedule (Table 1, last row): γ_t² = 1 − t/T decays linearly from 1 to 0,
/// σ_t² = 1 − γ_t². Compared with DDPM's linear β it spends more steps on cleaner inputs; t = T is pure noise.
/// </summary>
public sealed class LinearGammaSquared : NoiseSchedule
{
    public LinearGammaSquared(int steps = DefaultSteps) : this(SignalTable(steps)) { }

    LinearGammaSquared(double[] gammaSquared)
        : base(gammaSquared.Select(Math.Sqrt).ToArray(), SigmaFromSignal(gammaSquared)) { }

    public override string Name => NoiseSchedules.LinearGammaSquaredName;

    static double[] SignalTable(int steps)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps));
        return Enumerable.Range(0, steps + 1).Select(t => 1.0 - (double)t / steps).ToArray();
    }
}
