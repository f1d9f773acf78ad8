using LDae.Runtime;
using static TorchSharp.torch;

TorchRuntime.EnsureLoaded(2);
var a = randn(4, 4, requires_grad: true);
var l = (a * a).sum();
l.backward();
Console.WriteLine($"ok {l.item<float>()} {a.grad!.abs().sum().item<float>()}");
