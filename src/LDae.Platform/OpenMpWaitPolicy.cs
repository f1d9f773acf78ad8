namespace LDae.Runtime;

/// <summary>
/// How libtorch's OpenMP worker threads wait between parallel regions (libgomp's <c>OMP_WAIT_POLICY</c> and
/// <c>GOMP_SPINCOUNT</c>). A training step of our small models is hundreds of short parallel regions, so this
/// decides how much of a second core a step can use.
/// </summary>
/// <remarks>
/// The default is <see cref="Bounded"/>: a short spin catches the next region on a quiet machine, and sleeping soon
/// after keeps a competing process from stalling the step, as libgomp's default spin of a few milliseconds does
/// (the figures, from <c>ldae bench --profile quick</c>: docs/performance.md, "OpenMP waiting"). libgomp reads the
/// variables once, when it is loaded (with libtorch, at the first torch call), and .NET's
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not change the native environment, so this
/// calls libc's <c>setenv</c> and must run before anything touches torch.
/// </remarks>
public static class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>The policy libgomp will read (or has read): the native environment's value, or null (libgomp's default).</summary>
    public static string? Current() => NativeEnvironment.Get(Variable);

    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>The default: spin briefly (<see cref="BoundedSpins"/> iterations, ~20 µs), then sleep.</summary>
    public const string Bounded = "bounded";
    public const long BoundedSpins = 2000;

    /// <summary>The spin count libgomp will read, or null (its default for the policy).</summary>
    public static string? CurrentSpinCount() => NativeEnvironment.Get(SpinCountVariable);

    /// <summary>"PASSIVE", "ACTIVE" or "ACTIVE, GOMP_SPINCOUNT=2000" as libgomp sees it; "default" when neither is set.</summary>
    public static string Describe() => (Current(), CurrentSpinCount()) switch
    {
        (null, null) => "default",
        ({ } p, null) => p,
        (var p, { } n) => $"{p ?? "default"}, {SpinCountVariable}={n}",
    };

    /// <summary>
    /// Sets the policy ("passive", "active" or "bounded") for this process; fails if libgomp is already loaded.
    /// "bounded" is ACTIVE with <see cref="SpinCountVariable"/> = <see cref="BoundedSpins"/>.
    /// </summary>
    public static void Set(string policy)
    {
        var (value, spins) = policy.ToLowerInvariant() switch
        {
            "passive" => ("PASSIVE", (long?)null),
            "active" => ("ACTIVE", null),
            Bounded => ("ACTIVE", BoundedSpins),
            _ => throw new ArgumentException($"OpenMP wait policy must be passive, active or bounded, got '{policy}'"),
        };
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException("setting the OpenMP wait policy is implemented for Linux only");
        if (IsOpenMpLoaded())
            throw new InvalidOperationException($"{Variable} must be set before libtorch (and its libgomp) is loaded; set it in the environment instead");
        if (!NativeEnvironment.Set(Variable, value)) throw new InvalidOperationException($"setenv({Variable}) failed");
        if (spins is { } n && !NativeEnvironment.Set(SpinCountVariable, n.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            throw new InvalidOperationException($"setenv({SpinCountVariable}) failed");
    }

    /// <summary>Whether a libgomp is mapped into this process (after which its wait policy is fixed).</summary>
    public static bool IsOpenMpLoaded()
    {
        try { return File.ReadLines("/proc/self/maps").Any(l => l.Contains("libgomp", StringComparison.Ordinal)); }
        catch (IOException) { return false; }
    }
}
