using System.Runtime.InteropServices;

namespace LDae.Runtime;

/// <summary>
/// libtorch's process-wide backend switches (<c>at::globalContext()</c>), the ones PyTorch exposes as
/// <c>torch.backends.mkldnn.enabled</c> and <c>torch.backends.nnpack.enabled</c>. TorchSharp 0.107 binds neither, so
/// these call libtorch_cpu's exported C++ methods directly. Linux only: the callers check.
/// </summary>
static class LibTorchContext
{
    const string Library = "libtorch_cpu";

    public static bool OneDnnEnabled
    {
        get => UserEnabledMkldnn(GlobalContext());
        set => SetUserEnabledMkldnn(GlobalContext(), value);
    }

    public static bool NnpackEnabled
    {
        get => UserEnabledNnpack(GlobalContext());
        set => SetUserEnabledNnpack(GlobalContext(), value);
    }

    [DllImport(Library, EntryPoint = "_ZN2at13globalContextEv")]
    static extern IntPtr GlobalContext();

    [DllImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    [DllImport(Library, EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.I1)]
    static extern bool UserEnabledMkldnn(IntPtr context);

    [DllImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledNNPACKEb")]
    static extern void SetUserEnabledNnpack(IntPtr context, [MarshalAs(UnmanagedType.I1)] bool enabled);

    [DllImport(Library, EntryPoint = "_ZNK2at7Context17userEnabledNNPACKEv")]
    [return: MarshalAs(UnmanagedType.I1)]
    static extern bool UserEnabledNnpack(IntPtr context);
}
