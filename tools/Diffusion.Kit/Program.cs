using Diffusion.Kit;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
return await KitCommandLine.RunAsync(args, cancel: cancel.Token);
