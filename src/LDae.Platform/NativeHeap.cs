using System.Runtime.InteropServices;

namespace LDae.Runtime;

/// <summary>
/// What glibc's malloc holds, over all its arenas (<c>mallinfo2</c>): the bytes in live allocations (tensor storage
/// included: libtorch's CPU allocator is malloc) and the bytes it keeps free for reuse. The second is the allocator's
/// retention: resident memory no tensor uses (see <see cref="MallocPolicy"/>). Null where libc is not glibc ≥ 2.33.
/// </summary>
public readonly record struct NativeHeap(long InUseBytes, long FreeHeldBytes, long MmappedBytes)
{
    public static NativeHeap? Now()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var m = mallinfo2();
            long mmapped = (long)m.hblkhd;
            return new NativeHeap((long)m.uordblks + mmapped, (long)m.fordblks, mmapped);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return null; }
    }

    [StructLayout(LayoutKind.Sequential)]
    struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc")]
    static extern MallInfo2 mallinfo2();
}
