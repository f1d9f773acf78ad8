namespace LDae.Tokenizers.Learned;

/// <summary>
/// Size of the conv VAE: log2(p) stride-2 downsamplings give log2(p) + 1 resolution levels; level i has
/// BaseChannels · min(2^i, MaxMultiplier) channels and <see cref="ResBlocksPerLevel"/> residual blocks.
/// LDM's kl-f8 uses 128 base channels, multipliers (1, 2, 4, 4), 2 blocks per level and a self-attention block
/// in the middle; ours is that shape shrunk to train in seconds on a CPU, without the attention block.
/// </summary>
public sealed record ConvVaeArchitecture(int BaseChannels = 8, int MaxMultiplier = 4, int ResBlocksPerLevel = 1)
{
    public void Validate()
    {
        if (BaseChannels < 1) throw new ArgumentOutOfRangeException(nameof(BaseChannels));
        if (MaxMultiplier < 1) throw new ArgumentOutOfRangeException(nameof(MaxMultiplier));
        if (ResBlocksPerLevel < 1) throw new ArgumentOutOfRangeException(nameof(ResBlocksPerLevel));
    }

    /// <summary>Channels at resolution level i (0 = full resolution).</summary>
    public int ChannelsAt(int level) => BaseChannels * Math.Min(1 << Math.Min(level, 20), MaxMultiplier);
}
