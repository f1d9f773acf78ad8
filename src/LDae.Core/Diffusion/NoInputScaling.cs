namespace LDae.Diffusion;

/// <summary>
/// "Remove input scaling" (Table 3): γ_t ≡ 1 and x_t = z + σ_t·ε, with σ_t = σ_t^basis / γ_t^basis so every
/// step keeps the signal-to-noise ratio of the variance-preserving basis schedule.
/// </summary>
/// <remarks>
/// Where the basis reaches SNR → 0 (γ^basis → 0, e.g. t = T of the linear γ² schedule) this σ would be
/// infinite, so σ is capped at <see cref="DefaultSigmaMax"/> = 80, EDM's σ_max (Karras et al. 2022). Below
/// the cap the SNR is exactly the basis's; at the capped steps it is 1/80², i.e. the input is still
/// practically pure noise. The loss weight keeps the basis's γ² (≈ 0 there).
/// </remarks>
public sealed class NoInputScaling : NoiseSchedule
{
    public const double DefaultSigmaMax = 80;

    public NoInputScaling(NoiseSchedule basis, double sigmaMax = DefaultSigmaMax)
        : base(Ones(basis.Steps), SigmaTable(basis, sigmaMax), SignalTable(basis))
    {
        Basis = basis;
        SigmaMax = sigmaMax;
    }

    /// <summary>The variance-preserving schedule whose SNR per step is kept.</summary>
    public NoiseSchedule Basis { get; }

    public double SigmaMax { get; }

    public override string Name => $"no-input-scaling({Basis.Name})";

    static double[] Ones(int steps) => Enumerable.Repeat(1.0, steps + 1).ToArray();

    static double[] SigmaTable(NoiseSchedule basis, double sigmaMax)
    {
        if (!(sigmaMax > 0)) throw new ArgumentOutOfRangeException(nameof(sigmaMax));
        var sigma = new double[basis.Steps + 1];
        for (int t = 1; t <= basis.Steps; t++)
        {
            double gamma = basis.GammaAt(t);
            sigma[t] = gamma * sigmaMax <= basis.SigmaAt(t) ? sigmaMax : basis.SigmaAt(t) / gamma;   // σ/γ ≥ σ_max (incl. γ = 0) → cap
        }
        return sigma;
    }

    static double[] SignalTable(NoiseSchedule basis) =>
        Enumerable.Range(0, basis.Steps + 1).Select(basis.VariancePreservingSignalAt).ToArray();
}
