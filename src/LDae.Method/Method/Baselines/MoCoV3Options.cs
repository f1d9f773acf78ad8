namespace LDae.Method.Baselines;

/// <summary>
/// MoCo v3's recipe where it differs from the denoiser's (the MoCo v3 paper, Chen, Xie, He 2021): InfoNCE temperature
/// 0.2, a momentum encoder whose coefficient rises from 0.99 to 1 on a half-cycle cosine over training, and MLP heads of
/// hidden width 4096 and output 256 behind a 768-wide ViT-B — 16/3 and 1/3 of the encoder width, kept at smaller widths.
/// </summary>
public sealed record MoCoV3Options
{
    public double Temperature { get; init; } = 0.2;

    /// <summary>The momentum coefficient at the start of training (the MoCo v3 paper: 0.99 for ViT).</summary>
    public double Momentum { get; init; } = 0.99;

    public double HiddenScale { get; init; } = 16.0 / 3.0;
    public double OutputScale { get; init; } = 1.0 / 3.0;

    /// <summary>
    /// The stability trick of the MoCo v3 paper: the patch projection stays at its random initialisation.
    /// </summary>
    public bool FreezePatchProjection { get; init; } = true;

    public int HiddenWidth(int width) => Math.Max(1, (int)Math.Round(width * HiddenScale));
    public int OutputWidth(int width) => Math.Max(1, (int)Math.Round(width * OutputScale));

    /// <summary>m(k) = 1 − (1 − m₀)·(cos(π·k/K) + 1)/2 after <paramref name="step"/> of <paramref name="totalSteps"/>: m₀ at the start, 1 at the end.</summary>
    public double MomentumAt(long step, long totalSteps)
    {
        if (totalSteps <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps));
        double progress = Math.Clamp((double)step / totalSteps, 0, 1);
        return 1 - (1 - Momentum) * (Math.Cos(Math.PI * progress) + 1) / 2;
    }
}
