namespace LDae.Method.Baselines;

/// <summary>
/// MAE's recipe where it differs from the denoiser's (the MAE paper, He et al. 2022): 75 % of the patches masked,
/// the normalised-pixel target, and a light decoder — 8 blocks of width 512 for every encoder size, i.e. 2/3 of the
/// depth and width of ViT-B (12 blocks × 768); at a profile's smaller sizes the decoder is 2/3 of its base encoder.
/// </summary>
public sealed record MaeOptions
{
    /// <summary>Fraction of patches removed from the encoder's input (the MAE paper: 0.75).</summary>
    public double MaskRatio { get; init; } = 0.75;

    /// <summary>Target = each patch's pixels normalised by the patch's own mean and variance (the MAE paper's default).</summary>
    public bool NormPixLoss { get; init; } = true;

    /// <summary>Decoder depth and width relative to the base encoder's (8/12 and 512/768 at ViT-B).</summary>
    public double DecoderScale { get; init; } = 2.0 / 3.0;

    /// <summary>Decoder blocks for a base encoder of <paramref name="baseEncoderDepth"/> blocks (at least one).</summary>
    public int DecoderDepth(int baseEncoderDepth) => Math.Max(1, (int)Math.Round(baseEncoderDepth * DecoderScale));

    /// <summary>
    /// Decoder width for a base encoder of <paramref name="baseWidth"/>: the scaled width rounded down to a multiple of
    /// lcm(4, heads), so the decoder's <paramref name="heads"/> divide it and the sin-cos position table fits.
    /// </summary>
    public int DecoderWidth(int baseWidth, int heads)
    {
        int unit = 4 * heads / (int)System.Numerics.BigInteger.GreatestCommonDivisor(4, heads);
        return Math.Max(unit, (int)(baseWidth * DecoderScale) / unit * unit);
    }
}
