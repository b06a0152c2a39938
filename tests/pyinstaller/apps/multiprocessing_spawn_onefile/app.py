import multiprocessing, sys

def square(x):
    return x * x

if __name__ == '__main__':
    multiprocessing.freeze_support()
    from pyiprobe import show, header
    header()
    ctx = multiprocessing.get_context('spawn')
    with ctx.Pool(2) as pool:
        show('squares', pool.map(square, range(5)))
