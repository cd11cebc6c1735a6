# loop: summing 0..5,000,000 (Python has no tail calls: the loop is a while).
i = 0
total = 0
while i <= 5000000:
    total += i
    i += 1
print(total)
