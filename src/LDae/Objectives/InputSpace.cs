namespace LDae.Objectives;

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
