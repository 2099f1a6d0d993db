module gomaplabseed

go 1.19
