namespace LDae.Tokenizers.Learned;

/// <summary>Pixel reconstruction term of the tokenizer loss. LDM's conv autoencoders use L1; the paper's patch-wise VAE and AE use L2.</summary>
public enum ReconstructionLoss
{
    L1,
    L2,
}
