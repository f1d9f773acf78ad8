namespace LDae.Models;

/// <summary>
/// Which blocks receive the conditioning (timestep and/or class) through adaLN-Zero. Blocks without it are
/// plain pre-LN ViT blocks. The final layer belongs to the decoder.
/// </summary>
public enum ConditioningPlacement
{
    /// <summary>Every block and the final layer (DiT).</summary>
    Both,

    /// <summary>Only the encoder half.</summary>
    Encoder,

    /// <summary>Only the decoder half and the final layer: the encoder, which the probe reads, is unconditioned.</summary>
    Decoder,

    /// <summary>No conditioning anywhere: a plain ViT autoencoder.</summary>
    None,
}
