namespace LDae.Tokenizers;

/// <summary>
/// How a linear tokenizer's latent is rescaled before noise is added. The noise schedule assumes a latent
/// of roughly unit scale; a raw PCA latent has variance equal to its eigenvalues.
/// </summary>
public enum LatentScaling
{
    /// <summary>Raw projection coefficients (variance per dimension = eigenvalue).</summary>
    None,

    /// <summary>
    /// One factor for all dimensions, chosen so the latent has unit variance overall (the mean of the
    /// per-dimension variances is 1) — the role of LDM's scale factor. Keeps the relative scale of the
    /// principal directions, so strong directions still survive more noise.
    /// </summary>
    Global,

    /// <summary>Whitening: each dimension divided by the square root of its eigenvalue.</summary>
    PerDimension,
}
