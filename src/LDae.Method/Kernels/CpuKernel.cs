using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LDae.Kernels;

/// <summary>
/// What the hand-written CPU kernels (<see cref="GeluTanh"/>, <see cref="SmallAttention"/>, <see cref="AdaLnModulate"/>)
/// share: a float32 view of a tensor's memory, and the thread split. They use threads like a libtorch op, over
/// libtorch's intra-op thread count. A data-parallel replica runs with one thread, so there a kernel is one call on
/// the caller's thread; the chunks are independent, so the result does not depend on the thread count.
/// </summary>
internal static class CpuKernel
{
    /// <summary>
    /// The float32 elements of a contiguous CPU tensor, in place. The span points into native memory the tensor owns:
    /// keep the tensor reachable (GC.KeepAlive) until the kernel reading it is done.
    /// </summary>
    public static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);

    /// <summary>The bfloat16 elements (bit patterns) of a contiguous CPU tensor, in place; as <see cref="Floats"/>.</summary>
    public static Span<ushort> Bf16s(Tensor t) => MemoryMarshal.Cast<byte, ushort>(t.bytes);

    /// <summary>
    /// Calls <paramref name="body"/>(start, length) over [0, items) in at most get_num_threads() chunks of at least
    /// <paramref name="minChunk"/> items, chunk starts aligned to <paramref name="alignment"/>.
    /// </summary>
    public static void Split(int items, int minChunk, int alignment, Action<int, int> body)
    {
        int chunks = Math.Max(1, Math.Min(get_num_threads(), items / Math.Max(1, minChunk)));
        if (chunks == 1)
        {
            body(0, items);
            return;
        }
        int size = (items / chunks + alignment - 1) / alignment * alignment;
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, i =>
        {
            int start = i * size, length = Math.Min(size, items - start);
            if (length > 0) body(start, length);
        });
    }
}
