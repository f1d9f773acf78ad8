namespace LDae.Data;

/// <summary>
/// Derives independent generator seeds from (run seed, stream) pairs, so that e.g. the shuffle of epoch 3
/// depends only on the run seed and the number 3 — never on how many random numbers were drawn before.
/// That is what makes a resumed run see the same batches as an uninterrupted one.
/// </summary>
public static class Seeds
{
    /// <summary>SplitMix64 finaliser: a bijective mix with good avalanche, enough to decorrelate nearby seeds.</summary>
    public static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>The seed of stream <paramref name="stream"/> of run <paramref name="seed"/>.</summary>
    public static ulong Derive(long seed, long stream) => Mix(Mix(unchecked((ulong)seed)) ^ unchecked((ulong)stream));

    /// <summary>A CPU generator seeded with <see cref="Derive"/>.</summary>
    public static TorchSharp.torch.Generator Generator(long seed, long stream) => new(Derive(seed, stream));
}
