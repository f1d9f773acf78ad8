using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Method.Baselines;

/// <summary>
/// MoCo v3's MLP head: (Linear → BatchNorm → ReLU) per hidden layer, then Linear → BatchNorm without affine
/// parameters. The projector has 3 layers, the predictor 2. BatchNorm uses the statistics of the batch it sees and
/// keeps no running averages: the heads are used only in training, and data-parallel shards would otherwise update
/// the same running buffers from two threads.
/// </summary>
public sealed class ProjectionMlp : nn.Module<Tensor, Tensor>
{
    readonly Sequential layers;

    public ProjectionMlp(int layerCount, int input, int hidden, int output) : base(nameof(ProjectionMlp))
    {
        if (layerCount < 2) throw new ArgumentException($"an MLP head needs ≥ 2 layers, got {layerCount}");
        var modules = new List<nn.Module<Tensor, Tensor>>();
        for (int i = 0; i < layerCount; i++)
        {
            bool last = i == layerCount - 1;
            int from = i == 0 ? input : hidden, to = last ? output : hidden;
            modules.Add(nn.Linear(from, to, hasBias: false));
            modules.Add(nn.BatchNorm1d(to, affine: !last, track_running_stats: false));
            if (!last) modules.Add(nn.ReLU());
        }
        layers = nn.Sequential(modules);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => layers.forward(x);
}
