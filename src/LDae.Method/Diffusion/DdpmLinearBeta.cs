namespace LDae.Diffusion;

/// <summary>
/// DiT's (DDPM's) schedule: β_s linear from 1e-4 to 0.02 over T = 1000 steps, γ_t² = ∏_{s≤t}(1 − β_s),
/// σ_t² = 1 − γ_t². Variance preserving; γ_T² ≈ 4·10⁻⁵, so the last step is almost but not exactly pure noise.
/// </summary>
public sealed class DdpmLinearBeta : NoiseSchedule
{
    public DdpmLinearBeta(int steps = DefaultSteps, double betaStart = 1e-4, double betaEnd = 0.02)
        : this(SignalTable(steps, betaStart, betaEnd)) { }

    DdpmLinearBeta(double[] gammaSquared)
        : base(gammaSquared.Select(Math.Sqrt).ToArray(), SigmaFromSignal(gammaSquared)) { }

    public override string Name => NoiseSchedules.DdpmLinearBetaName;

    static double[] SignalTable(int steps, double betaStart, double betaEnd)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps));
        var gammaSquared = new double[steps + 1];
        gammaSquared[0] = 1;
        for (int t = 1; t <= steps; t++)
        {
            double beta = steps == 1 ? betaStart : betaStart + (betaEnd - betaStart) * (t - 1) / (steps - 1);
            gammaSquared[t] = gammaSquared[t - 1] * (1 - beta);
        }
        return gammaSquared;
    }
}
