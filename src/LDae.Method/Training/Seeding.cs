using TorchSharp;

namespace LDae.Training;

/// <summary>
/// Seeds derived from one run seed. Every random draw in training and evaluation goes through an explicit
/// <see cref="torch.Generator"/> whose seed is a hash of (run seed, purpose, index) — e.g. ("step", s) for the
/// noise of optimizer step s, ("shuffle", epoch) for a data order. Because a generator depends only on its
/// coordinates, never on how many draws happened before, resuming at step s replays exactly the noise an
/// uninterrupted run would have drawn.
/// </summary>
/// <remarks>
/// The hash is splitmix64 (Steele, Lea, Flood 2014), a cheap bijective mixer with good avalanche. libtorch's
/// CPU generator (mt19937) keeps only the low 32 bits of its seed; distinct coordinates therefore collide with
/// probability 2⁻³², which is harmless here.
/// </remarks>
public static class Seeding
{
    /// <summary>
    /// Seeds the global torch RNG (used by TorchSharp's default module initialisers, so a model constructed right
    /// after this call is reproducible) and returns a generator for the caller's own draws.
    /// </summary>
    public static torch.Generator Seed(long seed)
    {
        torch.manual_seed(seed);
        return Generator(seed, "main");
    }

    /// <summary>A fresh CPU generator seeded from (seed, purpose, index).</summary>
    public static torch.Generator Generator(long seed, string purpose, long index = 0) =>
        new(Derive(seed, purpose, index));

    /// <summary>
    /// A fresh CPU generator for numbered stream <paramref name="stream"/> of <paramref name="seed"/> (no purpose
    /// string): the data subset and per-epoch orders of <see cref="Data.ImageDataset"/> use these. A different hash
    /// from <see cref="Derive"/>; kept so that the subsets recorded in existing results stay the same.
    /// </summary>
    public static torch.Generator StreamGenerator(long seed, long stream) =>
        new(SplitMix64(SplitMix64(unchecked((ulong)seed)) ^ unchecked((ulong)stream)));

    /// <summary>The generator of optimizer step <paramref name="step"/> (0-based) of a run with <paramref name="seed"/>.</summary>
    public static torch.Generator ForStep(long seed, long step) => Generator(seed, "step", step);

    /// <summary>
    /// The generator of shard <paramref name="shard"/> of optimizer step <paramref name="step"/> under data parallelism
    /// (<see cref="DataParallel"/>). Shard 0 has the step's own generator, so one replica draws what a
    /// single-process step draws.
    /// </summary>
    public static torch.Generator ForShard(long seed, long step, int shard) =>
        shard == 0 ? ForStep(seed, step) : Generator(seed, $"step/shard {shard}", step);

    /// <summary>A 64-bit seed that depends only on (seed, purpose, index).</summary>
    public static ulong Derive(long seed, string purpose, long index)
    {
        ulong h = SplitMix64(unchecked((ulong)seed));
        h = SplitMix64(h ^ Fnv1a(purpose));
        h = SplitMix64(h ^ unchecked((ulong)index));
        return h;
    }

    /// <summary>One splitmix64 output for state <paramref name="x"/>.</summary>
    public static ulong SplitMix64(ulong x)
    {
        unchecked
        {
            ulong z = x + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>FNV-1a over the UTF-16 code units: a stable (process-independent) string hash.</summary>
    static ulong Fnv1a(string s)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in s) { h ^= c; h = unchecked(h * 0x100000001B3UL); }
        return h;
    }
}
