namespace LDae.Objectives;

/// <summary>What the network emits.</summary>
public enum OutputSpace
{
    /// <summary>A latent grid (d channels per cell), compared with the latent target.</summary>
    Latent,

    /// <summary>
    /// "Operate on image output with inverse PCA": image patches (p·p·C values per cell). For latent targets
    /// (ε, clean data) the loss is measured through the PCA projection, encode(prediction) vs the target;
    /// for <see cref="Prediction.OriginalImage"/> it is measured on the pixels.
    /// </summary>
    ImageViaInversePca,
}
