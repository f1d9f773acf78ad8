using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace LDae.Runtime;

/// <summary>
/// Which of MKL's code paths libtorch's matrix multiplications take. libtorch_cpu links Intel MKL statically, and
/// MKL picks its kernels by CPU vendor before features: on an AMD CPU it takes its generic AVX2 path even where the
/// CPU has AVX-512. On an AMD CPU with the AVX-512 subsets MKL's AVX-512 path uses (F, CD, BW, DQ, VL) LDae makes MKL
/// take that path, which is 2.2–2.4× faster on the 2048² fp32 matmul of the project's 2-core AMD EPYC (165 → 389
/// GFLOP/s; docs/performance.md).
/// </summary>
/// <remarks>
/// <para>How: MKL asks one function, <c>mkl_serv_intel_cpu_true</c>, whether the CPU is Intel, and that function
/// caches its answer in a static int it reads first (<c>mov eax, [rip+cached]; test eax, eax; js compute; ret</c>;
/// negative means not asked yet). Before any MKL call, LDae reads the address of that int from the function's first
/// instruction and stores 1 in it, so every later question gets "Intel" and MKL then chooses among its paths by the
/// CPU's own feature bits, as it does on Intel CPUs. No code is changed, only MKL's cached answer, and only when the
/// function's first bytes are exactly that pattern; any other libtorch build is left alone, with a warning on stderr.</para>
/// <para>The faster path is another order of float operations, so results differ in the last bits from MKL's AVX2
/// path; with one path, one seed and one thread count a run is still bit-for-bit repeatable. <see cref="Describe"/>
/// (MKL's own report of the path it runs) goes into every row's provenance.
/// <c>LDAE_MKL_CODE_PATH=vendor</c> keeps MKL's own choice.</para>
/// </remarks>
public static class MklCodePath
{
    public const string EnvironmentVariable = "LDAE_MKL_CODE_PATH";
    const string VendorQuery = "mkl_serv_intel_cpu_true";

    /// <summary>What <see cref="Apply"/> did, for the log and the tests.</summary>
    public enum Outcome { NotApplicable, KeptByUser, CpuFeatureCheck, UnknownLibTorchBuild }

    static readonly object Gate = new();
    static Outcome? applied;

    /// <summary>The outcome of the one <see cref="Apply"/> of this process, or null before it.</summary>
    public static Outcome? Applied { get { lock (Gate) return applied; } }

    /// <summary>
    /// True on an AMD x64 CPU with the AVX-512 subsets MKL's AVX-512 path needs: where MKL's vendor check alone keeps
    /// the CPU on the AVX2 path.
    /// </summary>
    public static bool VendorCheckHoldsBack() =>
        RuntimeInformation.ProcessArchitecture == Architecture.X64 && CpuVendor() == "AuthenticAMD"
        && Avx512F.IsSupported && Avx512CD.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512F.VL.IsSupported;

    /// <summary>
    /// Once per process, with libtorch_cpu loaded and before its first matrix multiplication: on a CPU where
    /// <see cref="VendorCheckHoldsBack"/>, makes MKL choose its path by the CPU's features (see the remarks).
    /// <paramref name="libTorchCpu"/> gives libtorch_cpu's handle; it is asked only where the choice applies.
    /// </summary>
    public static Outcome Apply(Func<IntPtr> libTorchCpu)
    {
        lock (Gate)
        {
            if (applied is null)
            {
                applied = Decide(libTorchCpu);
                if (applied == Outcome.UnknownLibTorchBuild)
                    Console.Error.WriteLine($"[ldae] warning: this libtorch's {VendorQuery} is not the one LDae knows; MKL keeps its vendor-chosen (AVX2) code path on this AMD CPU");
            }
            return applied.Value;
        }
    }

    static Outcome Decide(Func<IntPtr> libTorchCpu)
    {
        if (!OperatingSystem.IsLinux() || !VendorCheckHoldsBack()) return Outcome.NotApplicable;
        if (string.Equals(Environment.GetEnvironmentVariable(EnvironmentVariable), "vendor", StringComparison.OrdinalIgnoreCase))
            return Outcome.KeptByUser;
        var library = libTorchCpu();
        if (library == IntPtr.Zero || !NativeLibrary.TryGetExport(library, VendorQuery, out var query)) return Outcome.UnknownLibTorchBuild;
        if (CachedAnswer(query) is not { } cached) return Outcome.UnknownLibTorchBuild;
        Marshal.WriteInt32(cached, 1);
        return Outcome.CpuFeatureCheck;
    }

    /// <summary>
    /// The address of the int <c>mkl_serv_intel_cpu_true</c> caches its answer in, read from its first instructions
    /// <c>8B 05 rel32</c> (mov eax, [rip + rel32]), <c>85 C0</c> (test eax, eax), <c>78 01</c> (js +1), <c>C3</c> (ret);
    /// null when the function does not start so.
    /// </summary>
    public static IntPtr? CachedAnswer(IntPtr function)
    {
        var code = new byte[11];
        Marshal.Copy(function, code, 0, code.Length);
        return CachedAnswerOffset(code) is { } offset ? (IntPtr)((long)function + offset) : null;
    }

    /// <summary>The offset from the function's start to its cached int, from its first 11 bytes; null for any other code.</summary>
    public static long? CachedAnswerOffset(ReadOnlySpan<byte> code)
    {
        if (code.Length < 11 || code[0] != 0x8B || code[1] != 0x05 || code[6] != 0x85 || code[7] != 0xC0
            || code[8] != 0x78 || code[9] != 0x01 || code[10] != 0xC3) return null;
        // rip-relative: from the end of the 6-byte mov
        return 6L + BitConverter.ToInt32(code[2..6]);
    }

    /// <summary>
    /// MKL's version and the code path it runs, from MKL's own <c>mkl_get_version</c>: "MKL 2024.0.2, Intel(R) Advanced
    /// Vector Extensions 512 (Intel(R) AVX-512) …" on the AVX-512 path, "MKL 2024.0.2, Intel(R) Architecture
    /// processors" on its generic path (the one an AMD CPU gets by vendor). Null off Linux (the entry point is bound
    /// there only) and for a libtorch without MKL.
    /// </summary>
    public static string? Describe()
    {
        if (!OperatingSystem.IsLinux()) return null;
        TorchRuntime.EnsureLoaded();
        try
        {
            MklGetVersion(out var version);
            return $"MKL {version.Major}.{version.Minor}.{version.Update}, {Marshal.PtrToStringAnsi(version.Processor) ?? "?"}";
        }
        catch (EntryPointNotFoundException) { return null; }
    }

    /// <summary>MKL's <c>MKLVersion</c> (mkl_types.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    struct MklVersion
    {
        public int Major, Minor, Update, Patch;
        public IntPtr ProductStatus, Build, Processor, Platform;
    }

    [DllImport("libtorch_cpu", EntryPoint = "mkl_serv_get_version")]
    static extern void MklGetVersion(out MklVersion version);

    /// <summary>The CPU's vendor string from cpuid leaf 0 ("AuthenticAMD", "GenuineIntel"), or null off x86.</summary>
    public static string? CpuVendor()
    {
        if (!X86Base.IsSupported) return null;
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), ebx);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), edx);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 4), ecx);
        return Encoding.ASCII.GetString(bytes);
    }

}
