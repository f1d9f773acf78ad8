using System.Runtime.InteropServices;

namespace LDae.Runtime;

/// <summary>
/// Keeps glibc's malloc from handing freed memory back to the kernel between training steps. A step allocates and
/// frees the same few hundred activation tensors (up to ~3 MB each per replica) every time; by default glibc returns
/// the freed top of a heap (and every chunk above its mmap threshold) to the kernel, so the next step page-faults the
/// same memory in again, zero-filled by the kernel. Measured on <c>ldae bench --profile quick --steps 300</c>
/// (2 replicas): about 7× fewer page faults with the trim threshold raised (figures: docs/performance.md). Peak RSS
/// rises a little and stays at its high-water mark instead of breathing; no numbers change. Like PyTorch's advice
/// to run CPU training on jemalloc or tcmalloc, but with glibc's own switches (<c>mallopt</c>). Skipped where libc
/// is not glibc, and for each setting the user already chose through glibc's environment variables.
/// </summary>
public static class MallocPolicy
{
    // mallopt parameters (glibc's malloc.h)
    const int TrimThreshold = -1, TopPad = -2, MmapThreshold = -3;

    /// <summary>The trim threshold set: free memory at the top of a heap is kept up to this size.</summary>
    public const long TrimBytes = 1L << 30;
    /// <summary>
    /// Extra memory obtained per heap growth, so growth happens in few steps — and the size of a whole heap of a
    /// thread's arena (glibc's HEAP_MAX_SIZE on 64-bit), because the pad is also what stops glibc from unmapping such a
    /// heap the moment it is entirely free: every thread but the first mallocs from arenas made of 64 MB heaps, and
    /// glibc's heap_trim deletes a free heap whatever the trim threshold unless the top pad covers it. A data-parallel
    /// replica's thread frees ~1 GB of activations at the end of each cpu-shape step; with a 16 MB pad one replica
    /// page-faulted it back in every step (thousands of faults and a tenth of its time in the kernel, the other
    /// replica waiting for it; docs/performance.md).
    /// </summary>
    public const long TopPadBytes = 64L << 20;
    /// <summary>Allocations below this come from the heap, not a fresh mmap (32 MB: glibc's largest allowed value).</summary>
    public const long MmapBytes = 32L << 20;

    /// <summary>What <see cref="Apply"/> did in this process ("not applied" before it ran).</summary>
    public static string Description { get; private set; } = "not applied";

    /// <summary>Applies the settings the environment does not choose; returns a short description for logs.</summary>
    public static string Apply() => Description = Choose();

    static string Choose()
    {
        if (!OperatingSystem.IsLinux()) return "not Linux: unchanged";
        var applied = new List<string>();
        try
        {
            if (Set("MALLOC_TRIM_THRESHOLD_", TrimThreshold, TrimBytes)) applied.Add($"trim {TrimBytes >> 20} MB");
            if (Set("MALLOC_TOP_PAD_", TopPad, TopPadBytes)) applied.Add($"top pad {TopPadBytes >> 20} MB");
            if (Set("MALLOC_MMAP_THRESHOLD_", MmapThreshold, MmapBytes)) applied.Add($"mmap threshold {MmapBytes >> 20} MB");
        }
        catch (EntryPointNotFoundException) { return "libc without mallopt (not glibc): unchanged"; }
        return applied.Count == 0 ? "glibc malloc as the environment sets it" : "glibc malloc, " + string.Join(", ", applied);
    }

    /// <summary>
    /// Returns the free memory every arena holds to the kernel (glibc's <c>malloc_trim(0)</c>). For the end of a
    /// data-parallel run: the replica threads' arenas keep their step's activations for the next step (see
    /// <see cref="TopPadBytes"/>), and no thread allocates from them after the run, so what follows (the probe's
    /// feature passes) would otherwise stack on top of them. A no-op where libc is not glibc.
    /// </summary>
    public static void ReleaseFree()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { malloc_trim(0); }
        catch (EntryPointNotFoundException) { }
    }

    static bool Set(string environmentVariable, int parameter, long value) =>
        NativeEnvironment.Get(environmentVariable) is null && mallopt(parameter, checked((int)value)) == 1;

    [DllImport("libc")]
    static extern int mallopt(int parameter, int value);

    [DllImport("libc")]
    static extern int malloc_trim(nuint pad);
}
