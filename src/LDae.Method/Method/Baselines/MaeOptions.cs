namespace LDae.Method.Baselines;

/// <summary>
/// MAE's recipe where it differs from the denoiser's (the MAE paper, He et al. 2022): 75 % of the patches masked,
/// the normalised-pixel target, and a light decoder — 8 blocks of width 512 behind ViT-B (12 blocks × 768), i.e. 2/3
/// of the encoder's depth and width, which the decoder keeps at every size here. (MAE keeps 8 × 512 also behind ViT-L;
/// a decoder in proportion to the encoder is the closer match at the profiles' much smaller sizes.)
/// </summary>
public sealed record MaeOptions
{
    /// <summary>Fraction of patches removed from the encoder's input (the MAE paper: 0.75).</summary>
    public double MaskRatio { get; init; } = 0.75;

    /// <summary>Target = each patch's pixels normalised by the patch's own mean and variance (the MAE paper's default).</summary>
    public bool NormPixLoss { get; init; } = true;

    /// <summary>Decoder depth and width relative to the encoder's (8/12 and 512/768 at ViT-B).</summary>
    public double DecoderScale { get; init; } = 2.0 / 3.0;

    /// <summary>Decoder blocks for an encoder of <paramref name="encoderDepth"/> blocks (at least one).</summary>
    public int DecoderDepth(int encoderDepth) => Math.Max(1, (int)Math.Round(encoderDepth * DecoderScale));

    /// <summary>
    /// Decoder width for an encoder of <paramref name="encoderWidth"/>: the scaled width rounded down to a multiple of
    /// lcm(4, heads), so the decoder's <paramref name="heads"/> divide it and the sin-cos position table fits.
    /// </summary>
    public int DecoderWidth(int encoderWidth, int heads)
    {
        int unit = 4 * heads / (int)System.Numerics.BigInteger.GreatestCommonDivisor(4, heads);
        return Math.Max(unit, (int)(encoderWidth * DecoderScale) / unit * unit);
    }
}
