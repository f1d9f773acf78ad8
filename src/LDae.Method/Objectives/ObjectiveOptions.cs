namespace LDae.Objectives;

/// <summary>
/// The Table 3 knobs of the denoising objective. A row of the table is a change of these values, never a
/// code path of its own.
/// </summary>
public sealed record ObjectiveOptions
{
    public Prediction Prediction { get; init; } = Prediction.Epsilon;
    public InputSpace Input { get; init; } = InputSpace.Latent;
    public OutputSpace Output { get; init; } = OutputSpace.Latent;

    /// <summary>
    /// With image output: weight wᵢ of the error along the D − d PCA directions outside the latent subspace (the
    /// paper's Eq. 4). 1 for "operate on image output" (plain pixel MSE against invPCA(z₀)); "predict original
    /// image" down-weights it to 0.1.
    /// </summary>
    public double ResidualWeight { get; init; } = 1.0;
}

/// <summary>What the network is trained to output (Table 3).</summary>
public enum Prediction
{
    /// <summary>The noise ε added to the latent (DDPM/DiT).</summary>
    Epsilon,

    /// <summary>
    /// The clean latent z₀ ("predict clean data"); with image output, its image invPCA(z₀) — "this target is not
    /// the original image", since PCA drops the D − d discarded directions.
    /// </summary>
    CleanData,

    /// <summary>
    /// The original image x in pixels ("predict original image"): besides the Gaussian noise in the d latent
    /// dimensions, the network must also restore the PCA residual in the D − d discarded ones.
    /// </summary>
    OriginalImage,
}

/// <summary>What the network sees.</summary>
public enum InputSpace
{
    /// <summary>The noisy latent grid z_t (d channels per cell).</summary>
    Latent,

    /// <summary>
    /// "Operate on image input with inverse PCA": the noisy latent projected back to pixels, decode(z_t),
    /// patchified with the PCA patch size (noise is still added in the latent).
    /// </summary>
    ImageViaInversePca,
}

/// <summary>What the network emits.</summary>
public enum OutputSpace
{
    /// <summary>A latent grid (d channels per cell), compared with the latent target.</summary>
    Latent,

    /// <summary>
    /// "Operate on image output with inverse PCA": image patches (p·p·C values per cell), compared in pixels with
    /// an image target — invPCA(z₀) for <see cref="Prediction.CleanData"/>, x₀ for
    /// <see cref="Prediction.OriginalImage"/> (<see cref="DenoisingLoss.Image"/>). ε has no image, so ε-prediction
    /// keeps a latent output.
    /// </summary>
    ImageViaInversePca,
}
