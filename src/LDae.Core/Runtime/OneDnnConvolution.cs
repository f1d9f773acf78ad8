using System.Runtime.InteropServices;

namespace LDae.Runtime;

/// <summary>
/// Whether libtorch may run CPU convolutions on oneDNN (otherwise it uses its own im2col + BLAS kernels). On the
/// project's AMD EPYC machine (AVX-512 with VP2INTERSECT) oneDNN's convolution backward pass turns the conv VAE's
/// gradients to NaN at its first step, in some runs and not others, at any thread count and with oneDNN capped at
/// AVX2 (`ldae tokenizer --artifact tokenizer/conv-vae-p8-d4-plain --profile ci`); with oneDNN off the same training
/// is finite and bit-identical run to run. So the convolutional networks we train — the learned tokenizers, their
/// discriminator and perceptual network, the FD classifier — train inside <see cref="Disabled"/>. The denoiser's
/// only convolution (the patch embedding, stride = kernel) keeps oneDNN. NNPACK goes off with it: without oneDNN, libtorch
/// offers each convolution to NNPACK, which does not run on this CPU and logs a warning per call.
/// TorchSharp 0.107 has no binding for the switch (PyTorch's <c>torch.backends.mkldnn.enabled</c>), so this calls
/// libtorch's <c>at::Context::setUserEnabledMkldnn</c>; the switch is process-wide. Linux only (elsewhere a no-op).
/// </summary>
public static class OneDnnConvolution
{
    const string Library = "libtorch_cpu";

    /// <summary>Whether libtorch may use oneDNN now (true where the switch cannot be read).</summary>
    public static bool Enabled
    {
        get
        {
            if (!OperatingSystem.IsLinux()) return true;
            TorchRuntime.EnsureLoaded();
            return UserEnabledMkldnn(GlobalContext());
        }
    }

    /// <summary>Turns oneDNN off until the result is disposed, then restores the state found.</summary>
    public static IDisposable Disabled()
    {
        if (!OperatingSystem.IsLinux()) return new Restore(null);
        bool before = Enabled;
        var context = GlobalContext();
        bool nnpackBefore = UserEnabledNnpack(context);
        SetUserEnabledMkldnn(context, false);
        SetUserEnabledNnpack(context, false);
        return new Restore((before, nnpackBefore));
    }

    sealed class Restore((bool OneDnn, bool Nnpack)? state) : IDisposable
    {
        (bool OneDnn, bool Nnpack)? pending = state;
        public void Dispose()
        {
            if (pending is { } s)
            {
                var context = GlobalContext();
                SetUserEnabledMkldnn(context, s.OneDnn);
                SetUserEnabledNnpack(context, s.Nnpack);
            }
            pending = null;
        }
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
