namespace LDae.Tokenizers.Learned;

/// <summary>Pixel reconstruction term of the tokenizer loss. LDM's autoencoders use L1.</summary>
public enum ReconstructionLoss
{
    L1,
    L2,
}
