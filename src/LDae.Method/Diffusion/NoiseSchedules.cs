namespace LDae.Diffusion;

/// <summary>Builds a schedule from config knobs: a variance-preserving basis, whether the input is scaled, and an optional single level.</summary>
public static class NoiseSchedules
{
    public const string DdpmLinearBetaName = "ddpm-linear-beta";
    public const string LinearGammaSquaredName = "linear-gamma2";

    public static IReadOnlyList<string> Names { get; } = [DdpmLinearBetaName, LinearGammaSquaredName];

    /// <param name="name">The variance-preserving basis: "ddpm-linear-beta" or "linear-gamma2".</param>
    /// <param name="inputScaling">true: x_t = γ_t z + σ_t ε (the basis itself); false: γ ≡ 1 and σ_t linear from 0 to √2
    /// (<see cref="NoInputScaling"/>; the basis then plays no part).</param>
    /// <param name="singleSigma">If set, one fixed noise level (<see cref="SingleNoiseLevel"/>); requires inputScaling = false, since it is defined with γ ≡ 1.</param>
    public static NoiseSchedule Create(string name, bool inputScaling = true, double? singleSigma = null, int steps = NoiseSchedule.DefaultSteps)
    {
        NoiseSchedule basis = name switch
        {
            DdpmLinearBetaName => new DdpmLinearBeta(steps),
            LinearGammaSquaredName => new LinearGammaSquared(steps),
            _ => throw new ArgumentException($"unknown noise schedule '{name}'; known: {string.Join(", ", Names)}", nameof(name)),
        };
        if (singleSigma is double sigma)
        {
            if (inputScaling)
                throw new ArgumentException("a single noise level is defined without input scaling (x = z + σε); set inputScaling = false");
            return new SingleNoiseLevel(sigma, steps);
        }
        return inputScaling ? basis : new NoInputScaling(steps);
    }
}
