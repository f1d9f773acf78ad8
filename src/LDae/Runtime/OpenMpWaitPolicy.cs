using System.Runtime.InteropServices;

namespace LDae.Runtime;

/// <summary>
/// How libtorch's OpenMP worker threads wait between parallel regions (libgomp's <c>OMP_WAIT_POLICY</c>).
/// </summary>
/// <remarks>
/// By default libgomp spins at every barrier before sleeping. That is the fastest choice on an idle machine, but on
/// a shared one, where a worker thread is often descheduled, every one of the step's hundreds of parallel regions
/// waits for it while its partner burns the CPU spinning: on this 2-core machine at load ≈ 7, a 2-thread training
/// step of the ci model was ~7× slower than with 1 thread, and PASSIVE brought it back to about the 1-thread
/// speed. libgomp reads the variable once, when it is loaded (with libtorch, at the first torch call), and .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change the native environment, so this
/// calls libc's <c>setenv</c> and must run before anything touches torch.
/// </remarks>
public static class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>The policy libgomp will read (or has read): the native environment's value, or null (libgomp's default).</summary>
    public static string? Current() => Marshal.PtrToStringUTF8(getenv(Variable));

    /// <summary>Sets the policy ("passive" or "active") for this process; fails if libgomp is already loaded.</summary>
    public static void Set(string policy)
    {
        var value = policy.ToLowerInvariant() switch
        {
            "passive" => "PASSIVE",
            "active" => "ACTIVE",
            _ => throw new ArgumentException($"OpenMP wait policy must be passive or active, got '{policy}'"),
        };
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("setting the OpenMP wait policy is implemented for Linux only");
        if (IsOpenMpLoaded())
            throw new InvalidOperationException($"{Variable} must be set before libtorch (and its libgomp) is loaded; set it in the environment instead");
        if (setenv(Variable, value, 1) != 0) throw new InvalidOperationException($"setenv({Variable}) failed");
    }

    /// <summary>Whether a libgomp is mapped into this process (after which its wait policy is fixed).</summary>
    public static bool IsOpenMpLoaded()
    {
        try { return File.ReadLines("/proc/self/maps").Any(l => l.Contains("libgomp", StringComparison.Ordinal)); }
        catch (IOException) { return false; }
    }

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", CharSet = CharSet.Ansi)]
    static extern IntPtr getenv(string name);
}
