module gomapfidelity

go 1.19
