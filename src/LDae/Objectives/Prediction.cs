namespace LDae.Objectives;

/// <summary>What the network is trained to output (Table 3).</summary>
public enum Prediction
{
    /// <summary>The noise ε added to the latent (DDPM/DiT).</summary>
    Epsilon,

    /// <summary>The clean latent z ("predict clean data", x₀ in DDPM notation).</summary>
    CleanData,

    /// <summary>
    /// The original image x in pixels ("predict original image"): besides the Gaussian noise in the d latent
    /// dimensions, the network must also restore the PCA residual in the D − d discarded ones.
    /// </summary>
    OriginalImage,
}
